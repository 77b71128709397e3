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
export { DEFAULT_DASHBOARD_PORT, type DashboardOptions, type RunningDashboard, startDashboard } from './dashboard-server.js';
export { parseTaskListParameters, type TaskListRequest } from './task-list-parameters.js';
export type { WorktreeChanges, WorktreeDiff, WorktreeMergeOutcome } from './worktree-changes.js';
