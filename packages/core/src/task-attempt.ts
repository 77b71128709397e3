// What the store records of each run of a task; the CLI, MCP and the dashboard show it as it is.

/** One run of a task, as the store recorded it when it was claimed and when it ended. */
export interface TaskAttempt {
  /** 1 for the first run. */
  readonly attempt: number;
  /** The host that ran it. */
  readonly owner: string;
  readonly startedAt: number;
  /** Null while it runs. */
  readonly finishedAt: number | null;
  /** `completed`, `failed`, `cancelled`, or `requeued` (a retry followed); null while it runs. */
  readonly outcome: string | null;
  readonly failureReason: string | null;
  readonly detail: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
}
