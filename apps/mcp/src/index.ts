export { type HttpServerOptions, type RunningHttpServer, startHttpServer } from './http-server.js';
export { type ClaudineMcpServerOptions, createClaudineMcpServer } from './server.js';
export { TASK_LOG_TEMPLATE, taskIdOfLogUri, taskLogUri } from './task-log-resource.js';
export { describeTask, summarizeTask, type TaskRow, TaskRowSchema, type TaskSummary, TaskSummarySchema, taskRow } from './task-summary.js';
export { createTaskWatch, type TaskChangeListener, type TaskWatch, type Unfollow } from './task-watch.js';
