// The JSON the dashboard's server sends its page. The page's own TypeScript project imports
// these types (types only: nothing of this file reaches the bundle), so the two cannot drift.
import type {
  AgentKind,
  FailureReason,
  OutputStream,
  Priority,
  SystemSnapshot,
  TaskAttempt,
  TaskMetrics,
  TaskOrder,
  TaskStatus,
} from '@claudine/core';

/** A task's state as the dashboard shows it: its status, or `blocked` for a queued task still waiting. */
export type DisplayState = TaskStatus | 'blocked';

/** One row of the tasks table. */
export interface TaskRow {
  readonly id: string;
  readonly title: string;
  readonly state: DisplayState;
  readonly status: TaskStatus;
  readonly agent: AgentKind;
  readonly priority: Priority;
  readonly labels: readonly string[];
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly attempt: number;
  readonly failureReason: FailureReason | null;
  readonly costUsd: number | null;
}

/** `GET /api/tasks`: one page of the table. */
export interface TaskListResponse {
  readonly tasks: readonly TaskRow[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: number | null;
  /** With a search: how many tasks were looked at for this page (a page may hold fewer matches). */
  readonly scanned: number | null;
}

/** The orders the table can be sorted by (the store's list orders). */
export type { TaskOrder };

/** A point of a task's resource history: CPU in percent of one core, memory in bytes. */
export interface UsagePoint {
  readonly at: number;
  readonly cpuPercent: number | null;
  readonly memoryBytes: number | null;
}

/** What a worktree task changed, when the task has a worktree. */
export interface WorktreeView {
  readonly branch: string;
  readonly baseCommit: string | null;
  readonly headCommit: string | null;
  readonly filesChanged: readonly string[];
  readonly insertions: number | null;
  readonly deletions: number | null;
  /** Whether this server can show the diff and merge (see worktree-changes.ts). */
  readonly actionsAvailable: boolean;
}

/** A task as the task page shows it. Secrets stay out: of `agentOptions.env`, only the names. */
export interface TaskView {
  readonly id: string;
  readonly prompt: string;
  readonly agent: AgentKind;
  readonly model: string | null;
  readonly cwd: string;
  readonly priority: Priority;
  readonly labels: readonly string[];
  readonly state: DisplayState;
  readonly status: TaskStatus;
  readonly statusDetail: string | null;
  readonly failureReason: FailureReason | null;
  readonly dependsOn: readonly string[];
  readonly blockedBy: readonly string[];
  readonly dependencyPolicy: string;
  readonly attempt: number;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly cancelRequestedAt: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly environmentNames: readonly string[];
  readonly sessionId: string | null;
  readonly resultText: string | null;
  readonly turns: number | null;
  readonly costUsd: number | null;
  readonly usage: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly cacheReadInputTokens: number;
    readonly cacheCreationInputTokens: number;
  } | null;
  readonly outputTruncated: boolean;
}

/** Which buttons apply to the task now. */
export interface TaskActions {
  readonly cancel: boolean;
  readonly retry: boolean;
  readonly resume: boolean;
}

/** `GET /api/tasks/:id`. */
export interface TaskDetailResponse {
  readonly task: TaskView;
  readonly attempts: readonly TaskAttempt[];
  readonly metrics: readonly TaskMetrics[];
  /** CPU and memory over time, as sampled while this server ran. */
  readonly usage: readonly UsagePoint[];
  readonly actions: TaskActions;
  /** Tasks in its workflow (itself included); 1 for a task with no dependencies either way. */
  readonly workflowSize: number;
  readonly worktree: WorktreeView | null;
}

/** One line of a task's log as the page shows it. */
export interface LogLine {
  readonly stream: OutputStream;
  readonly text: string;
}

/** The `lines` event of a log stream: lines that arrived, and where the log now ends. */
export interface LogLinesEvent {
  readonly lines: readonly LogLine[];
  readonly nextOffset: number;
}

/** The `end` event of a log stream: the task finished and its whole log was sent. */
export interface LogEndEvent {
  readonly status: TaskStatus;
}

/** The `finished` event of the change stream, for browser notifications. */
export interface TaskFinishedEvent {
  readonly id: string;
  readonly title: string;
  readonly status: TaskStatus;
  readonly failureReason: FailureReason | null;
}

/** A node of a workflow graph. */
export interface GraphNodeView {
  readonly id: string;
  readonly state: DisplayState;
  readonly title: string;
  readonly agent: AgentKind;
  readonly priority: Priority;
  readonly detail: string | null;
}

/** `GET /api/workflows[/:id]`. */
export interface WorkflowResponse {
  readonly nodes: readonly GraphNodeView[];
  /** `from` must complete before `to` runs. */
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  readonly truncated: boolean;
}

/** Spending on one local day. */
export interface DaySpending {
  /** Local midnight that starts the day. */
  readonly day: number;
  readonly costUsd: number;
}

/** `GET /api/system`. */
export interface SystemResponse {
  readonly snapshot: SystemSnapshot;
  readonly history: readonly SystemSnapshot[];
  readonly spending: readonly DaySpending[];
  readonly budget: {
    readonly dailyUsd: number | null;
    readonly perTaskUsd: number | null;
    readonly spentTodayUsd: number;
    readonly exhausted: boolean;
  };
  readonly host: { readonly running: boolean; readonly pid: number | null; readonly hostname: string | null };
}

/** The body of every error answer. */
export interface ErrorResponse {
  readonly error: string;
  readonly code: string;
}
