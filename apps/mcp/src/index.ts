export { type ClaudineMcpServerOptions, createClaudineMcpServer } from './server.js';
export { describeTask, summarizeTask, type TaskSummary, TaskSummarySchema } from './task-summary.js';
