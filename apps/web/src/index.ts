export type {
  DaySpending,
  DisplayState,
  LogLine,
  SystemResponse,
  TaskDetailResponse,
  TaskListResponse,
  TaskRow,
  TaskView,
  WorkflowResponse,
  WorktreeView,
} from './api-types.js';
export { type ChangeEvent, type ChangeFeed, createChangeFeed } from './change-feed.js';
export { type DashboardOptions, DEFAULT_DASHBOARD_PORT, type RunningDashboard, startDashboard } from './dashboard-server.js';
export { parseTaskListParameters, type TaskListRequest } from './task-list-parameters.js';
export type { WorktreeChanges, WorktreeDiff, WorktreeMergeOutcome } from './worktree-changes.js';
