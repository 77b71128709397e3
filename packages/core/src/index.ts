export { type BackoffPolicy, retryDelay } from './backoff.js';
export { type DependencyCycle, type DependentsView, findDependencyCycle } from './dependency-cycle.js';
export {
  assessDependencies,
  type DependencyAssessment,
  type DependencyBearing,
  type DependencyEndEffect,
  type DependencyPlanningView,
  type DependencyState,
  dependencyBearing,
  dependencyEndDetail,
  type PlannedTaskState,
  planDependencyEnd,
  planDependencyRetry,
  type RetryPlan,
} from './dependency-propagation.js';
export { ClaudineError, type ClaudineErrorCode, type ClaudineErrorOptions, isClaudineError } from './errors.js';
export { formatBytes } from './format-bytes.js';
export { formatDuration } from './format-duration.js';
export { isObject } from './is-object.js';
export { lazySchema } from './lazy-schema.js';
export {
  MEASURED_FIGURES,
  type MeasuredFigure,
  type MissingFigure,
  MissingFigureSchema,
  percentileOf,
  type SystemSnapshot,
  SystemSnapshotSchema,
  type TaskMetrics,
  TaskMetricsSchema,
} from './metrics.js';
export type { Clock, TimerHandle } from './ports/clock.js';
export type { IdGenerator } from './ports/id-generator.js';
export type { MetricsStore, TaskStatistics, TimeRange } from './ports/metrics-store.js';
export type { OutcomeJournal, PendingRecord } from './ports/outcome-journal.js';
export type {
  OutputByteCounts,
  OutputCatalog,
  OutputEvent,
  OutputSegmentEntry,
  TaskOutputEntry,
  TaskOutputState,
} from './ports/output-catalog.js';
export {
  OUTPUT_STREAMS,
  type OutputByteReadOptions,
  type OutputChunk,
  type OutputDamage,
  type OutputReadOptions,
  type OutputRecord,
  type OutputSlice,
  type OutputStore,
  type OutputStream,
  type OutputTailOptions,
} from './ports/output-store.js';
export {
  notStartedResult,
  type ProcessRunner,
  type RunEvent,
  type RunHandle,
  type RunOptions,
  type RunResult,
  type RunTermination,
  type TerminationReason,
} from './ports/process-runner.js';
export {
  type CancelOutcome,
  type ClaimBudget,
  type ClaimRequest,
  type CreateTaskError,
  type DependencyChange,
  type ProcessIdentity,
  type RequeueRequest,
  type RetryChange,
  type RetryTaskError,
  TASK_ORDERS,
  type TaskGraph,
  type TaskGraphQuery,
  type TaskOrder,
  type TaskOutcome,
  type TaskPage,
  type TaskQuery,
  type TaskStore,
  type UpdateDependenciesError,
  type UpdateTaskError,
} from './ports/task-store.js';
export { DEFAULT_PRIORITY, PRIORITIES, type Priority, priorityFromRank, priorityRank } from './priority.js';
export { type ReportedFigures, reportedFigures } from './reported-figures.js';
export { err, ok, type Result } from './result.js';
export { createScheduler, outcomeOf, type Scheduler, type SchedulerEvent, type SchedulerOptions } from './scheduler.js';
export {
  AGENT_KINDS,
  type AgentKind,
  type AgentOptions,
  AgentOptionsSchema,
  type AgentReport,
  AgentReportSchema,
  CODEX_SANDBOXES,
  type CodexSandbox,
  DEPENDENCY_POLICIES,
  type DependencyPolicy,
  EFFORT_LEVELS,
  type EffortLevel,
  FAILURE_REASONS,
  type FailureReason,
  isAbsolutePath,
  isTerminalStatus,
  MAX_PROMPT_BYTES,
  type NewTask,
  type NewTaskInput,
  NewTaskInputSchema,
  type NewTaskWorktree,
  type ParsedNewTask,
  PERMISSION_MODES,
  type PermissionMode,
  TASK_STATUSES,
  type Task,
  TaskSchema,
  type TaskStatus,
  TERMINAL_STATUSES,
  type TerminalStatus,
  type TokenUsage,
  TokenUsageSchema,
  unsupportedAgentOptions,
} from './task.js';
export type { TaskAttempt } from './task-attempt.js';
export { formatTaskId, isTaskId, TASK_ID_LENGTH, TASK_ID_PATTERN } from './task-id.js';
export {
  type IllegalTransition,
  statusAfter,
  statusesAllowing,
  TASK_EVENTS,
  type TaskEvent,
  transition,
} from './task-state.js';
export {
  COMMIT_ID_PATTERN,
  type TaskWorktree,
  TaskWorktreeSchema,
  WORKTREE_MERGE_STRATEGIES,
  type WorktreeMerge,
  WorktreeMergeSchema,
  type WorktreeMergeStrategy,
  type WorktreeRequest,
  WorktreeRequestSchema,
  type WorktreeResult,
  WorktreeResultSchema,
} from './worktree.js';
