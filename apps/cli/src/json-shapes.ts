import {
  AGENT_KINDS,
  FAILURE_REASONS,
  lazySchema,
  PRIORITIES,
  SystemSnapshotSchema,
  TASK_STATUSES,
  TaskMetricsSchema,
  TaskSchema,
} from '@claudine/core';
import { DeliveryErrorSchema, NOTIFICATION_CHANNELS } from '@claudine/runtime';
import * as z from 'zod';

// The JSON every `--json` prints. These shapes are a public interface: scripts parse them, so a
// field is only ever added, never renamed or removed. The end-to-end tests parse each command's
// output with the schema here, and the README points at this file. Each is built on first use:
// a command pays only for the shape it prints, and only with --json.

// Shown with running tasks: their host died, and none has recovered them yet.
const hostGone = lazySchema(() =>
  z
    .boolean()
    .optional()
    .describe('True for a running task whose host is gone: nothing watches it until a host recovers it (one is started).'),
);

/**
 * A task as stored (`claudine status <id> --json`, `deps --json`, `run --wait --json`); `status`
 * and `ls` add `hostGone`.
 */
export const TaskJson = lazySchema(() => TaskSchema.extend({ hostGone }));

/** `claudine wait --json`: the tasks in the order given, as they were when the wait ended. */
export const WaitJson = lazySchema(() => z.object({ tasks: z.array(TaskSchema), finished: z.boolean() }));

/** `claudine run --json` and `claudine resume --json` without `--wait`: the new task. */
export const SubmittedJson = lazySchema(() => z.object({ id: z.string(), status: z.enum(TASK_STATUSES), task: TaskSchema }));

/** `claudine run --batch --json`: one entry per line with a task, in input order; `name` is the line's own, or null. */
export const BatchSubmittedJson = lazySchema(() =>
  z.object({
    tasks: z.array(z.object({ name: z.string().nullable(), id: z.string(), status: z.enum(TASK_STATUSES) })),
  }),
);

/** `claudine status <id> --prompt --json`: the whole prompt the task's agent received. */
export const PromptJson = lazySchema(() => z.object({ id: z.string(), prompt: z.string() }));

/** `claudine ls --json`: a page of tasks, newest first; pass `nextCursor` to `--cursor` for the next. */
export const TaskListJson = lazySchema(() => z.object({ tasks: z.array(TaskJson), nextCursor: z.number().int().nullable() }));

const HostRecordJson = lazySchema(() =>
  z.object({
    id: z.string(),
    pid: z.number().int(),
    pidStartTime: z.string().nullable(),
    hostname: z.string(),
    startedAt: z.number(),
    heartbeatAt: z.number(),
    stoppedAt: z.number().nullable(),
    holdsLock: z.boolean(),
  }),
);

/** `claudine host status --json`: `host` is the last host recorded, running or not. */
export const HostStatusJson = lazySchema(() => z.object({ running: z.boolean(), host: HostRecordJson.nullable() }));

/** `claudine host start --json`. */
export const HostStartJson = lazySchema(() => z.object({ started: z.boolean(), pid: z.number().int(), id: z.string() }));

/** `claudine host stop --json`: `pid` of the host that was stopped, null when none ran. */
export const HostStopJson = lazySchema(() => z.object({ stopped: z.boolean(), pid: z.number().int().nullable() }));

/** Tasks per state; `blocked` is the part of `queued` that waits for dependencies. */
export const TaskCountsJson = lazySchema(() =>
  z.object({
    queued: z.number().int().nonnegative(),
    blocked: z.number().int().nonnegative(),
    running: z.number().int().nonnegative(),
    completed: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    cancelled: z.number().int().nonnegative(),
  }),
);

/**
 * How notifications are doing: the channels configured, what the host counted since it started
 * (null before any host sent one), and the last delivery error, kept until a newer one.
 */
export const NotificationsJson = lazySchema(() =>
  z.object({
    channels: z.array(z.enum(NOTIFICATION_CHANNELS)),
    delivered: z.number().int().nonnegative().nullable(),
    failed: z.number().int().nonnegative().nullable(),
    dropped: z.number().int().nonnegative().nullable(),
    lastError: DeliveryErrorSchema.nullable(),
  }),
);

/** `claudine status --json` without an id: the host, counts, running and recently finished tasks. */
export const StatusSummaryJson = lazySchema(() =>
  z.object({
    host: HostStatusJson,
    counts: TaskCountsJson,
    spentTodayUsd: z.number().nonnegative(),
    notifications: NotificationsJson,
    /** Bytes the task worktrees under the data directory take on disk. */
    worktreesBytes: z.number().int().nonnegative(),
    running: z.array(TaskJson),
    recent: z.array(TaskSchema),
  }),
);

const OutputRecordJson = lazySchema(() =>
  z.object({
    stream: z.enum(['stdout', 'stderr', 'system']),
    time: z.number(),
    text: z.string(),
    offset: z.number().int().nonnegative(),
  }),
);

const OutputDamageJson = lazySchema(() => z.object({ file: z.string(), from: z.number(), to: z.number(), message: z.string() }));

/** `claudine logs --json`: a stretch of the log; pass `nextOffset` to `--offset` to go on. */
export const LogsJson = lazySchema(() =>
  z.object({
    records: z.array(OutputRecordJson),
    startOffset: z.number().int().nonnegative(),
    nextOffset: z.number().int().nonnegative(),
    atEnd: z.boolean(),
    damage: z.array(OutputDamageJson),
  }),
);

/** `claudine logs --follow --json`: one record per line (NDJSON) as output comes. */
export const LogRecordJson = OutputRecordJson;

/** `claudine cancel --json`: one entry per task; `outcome` is `cancelled` (it was queued) or `requested` (it runs: its host stops it); `error` says why one could not be cancelled. */
export const CancelJson = lazySchema(() =>
  z.array(
    z.object({
      id: z.string(),
      outcome: z.enum(['cancelled', 'requested']).nullable(),
      status: z.enum(TASK_STATUSES).nullable(),
      error: z.string().nullable(),
      hostGone: z
        .boolean()
        .nullable()
        .describe('For a running task: its host had died, so a host was started to carry the cancel out. Null on error.'),
    }),
  ),
);

/** `claudine retry --json`: one entry per task. */
export const RetryJson = lazySchema(() =>
  z.array(z.object({ id: z.string(), status: z.enum(TASK_STATUSES).nullable(), error: z.string().nullable() })),
);

/** `claudine graph --json`: the workflow's tasks and the edges between them. */
export const GraphJson = lazySchema(() =>
  z.object({
    nodes: z.array(
      z.object({
        id: z.string(),
        state: z.enum(['queued', 'blocked', 'running', 'completed', 'failed', 'cancelled']),
        status: z.enum(TASK_STATUSES),
        agent: z.enum(AGENT_KINDS),
        priority: z.enum(PRIORITIES),
        title: z.string(),
        dependsOn: z.array(z.string()),
        blockedBy: z.array(z.string()),
        dependencyPolicy: z.enum(['fail', 'cancel', 'run']),
        failureReason: z.enum(FAILURE_REASONS).nullable(),
        detail: z.string().nullable(),
      }),
    ),
    edges: z.array(z.object({ from: z.string(), to: z.string() })),
    truncated: z.boolean(),
  }),
);

/** `claudine metrics <id> --json`: every attempt of the task, oldest first. */
export const TaskMetricsJson = lazySchema(() => z.object({ taskId: z.string(), attempts: z.array(TaskMetricsSchema) }));

/** `claudine metrics --json`: the system now, the running tasks, the budget and the history. */
export const SystemMetricsJson = lazySchema(() =>
  z.object({
    snapshot: SystemSnapshotSchema,
    running: z.array(TaskMetricsSchema),
    budget: z.object({
      dailyUsd: z.number().nullable(),
      perTaskUsd: z.number().nullable(),
      spentTodayUsd: z.number(),
      exhausted: z.boolean(),
      resetsAt: z.number(),
    }),
    history: z.array(SystemSnapshotSchema),
  }),
);

const SettingJson = lazySchema(() =>
  z.object({
    key: z.string(),
    value: z.unknown(),
    raw: z.unknown(),
    source: z.enum(['default', 'file', 'environment']),
    variable: z.string(),
    defaultValue: z.unknown(),
    description: z.string(),
  }),
);

/** `claudine config show --json`: every setting, its value in force and where it comes from. */
export const ConfigShowJson = lazySchema(() => z.object({ file: z.string(), fileExists: z.boolean(), settings: z.array(SettingJson) }));

/** `claudine config show <key> --json`: one setting. */
export const ConfigSettingJson = SettingJson;

/** `claudine config path --json`. */
export const ConfigPathJson = lazySchema(() => z.object({ file: z.string(), exists: z.boolean(), dataDirectory: z.string() }));

/** `claudine config set --json`. */
export const ConfigSetJson = lazySchema(() =>
  z.object({
    key: z.string(),
    value: z.unknown(),
    previous: z.unknown(),
    resolved: z.unknown(),
    overriddenBy: z.string().nullable(),
  }),
);

/** `claudine config unset --json`. */
export const ConfigUnsetJson = lazySchema(() => z.object({ key: z.string(), removed: z.boolean(), previous: z.unknown() }));

/** `claudine db check --json`. */
export const DbCheckJson = lazySchema(() =>
  z.object({
    ok: z.boolean(),
    problems: z.array(z.string()),
    schemaVersion: z.number().int(),
    latestSchemaVersion: z.number().int(),
    tasks: z.number().int(),
    databaseBytes: z.number().int(),
    walBytes: z.number().int(),
  }),
);

/** `claudine db backup --json`. */
export const DbBackupJson = lazySchema(() => z.object({ path: z.string(), bytes: z.number().int() }));

/** `claudine db prune --json`. */
export const DbPruneJson = lazySchema(() => z.object({ pruned: z.number().int().nonnegative() }));

/** The outcome of one `claudine doctor` check. */
export const DOCTOR_STATUSES = ['ok', 'warn', 'fail'] as const;

/** `claudine doctor --json`: `ok` is false when any check failed (warnings do not count). */
export const DoctorJson = lazySchema(() =>
  z.object({
    ok: z.boolean(),
    checks: z.array(
      z.object({
        /** Stable name of the check: node, claude, codex, shell, git, data-directory, disk, config, database, host. */
        id: z.string(),
        title: z.string(),
        status: z.enum(DOCTOR_STATUSES),
        detail: z.string(),
        /** What to do about a warning or failure; null when all is well. */
        fix: z.string().nullable(),
      }),
    ),
  }),
);

const FileChangeJson = lazySchema(() =>
  z.object({
    path: z.string(),
    previousPath: z.string().nullable(),
    status: z.enum(['added', 'modified', 'deleted', 'renamed', 'copied', 'type_changed']),
    insertions: z.number().int(),
    deletions: z.number().int(),
    binary: z.boolean(),
  }),
);

/** `claudine diff --json`: the task's change against the fork point; `patch` is null with --stat. */
export const DiffJson = lazySchema(() =>
  z.object({
    id: z.string(),
    branch: z.string(),
    target: z.string(),
    forkPoint: z.string(),
    head: z.string(),
    files: z.array(FileChangeJson),
    insertions: z.number().int(),
    deletions: z.number().int(),
    patch: z.string().nullable(),
  }),
);

const KeptJson = lazySchema(() => z.object({ kept: z.string() }));

/** `claudine merge --json`: what landed where, and what became of the worktree and the branch. */
export const MergeJson = lazySchema(() =>
  z.object({
    id: z.string(),
    target: z.string(),
    strategy: z.enum(['squash', 'merge', 'rebase']),
    commit: z.string(),
    previousTarget: z.string(),
    files: z.array(FileChangeJson),
    insertions: z.number().int(),
    deletions: z.number().int(),
    updatedCheckouts: z.array(z.string()),
    worktree: z.union([z.enum(['removed', 'already_gone']), KeptJson]),
    branch: z.union([z.enum(['kept', 'deleted']), KeptJson]),
  }),
);

/** `claudine worktree ls --json`: every task's worktree, newest first. */
export const WorktreeListJson = lazySchema(() =>
  z.array(
    z.object({
      id: z.string(),
      status: z.enum(TASK_STATUSES),
      branch: z.string(),
      path: z.string(),
      repository: z.string(),
      present: z.boolean(),
      diskBytes: z.number().int().nullable(),
      landing: z.enum(['merged', 'contained', 'unmerged', 'branch_missing']),
    }),
  ),
);

/** `claudine worktree rm --json`. */
export const WorktreeRemoveJson = lazySchema(() =>
  z.object({
    id: z.string(),
    worktree: z.enum(['removed', 'already_gone']),
    branch: z.union([z.enum(['deleted', 'missing']), KeptJson]),
  }),
);

/** `claudine worktree prune --json`: what was removed, deleted and kept (with why). */
export const WorktreePruneJson = lazySchema(() =>
  z.object({
    removed: z.array(z.object({ id: z.string(), path: z.string() })),
    branchesDeleted: z.array(z.object({ id: z.string(), branch: z.string() })),
    kept: z.array(z.object({ id: z.string(), what: z.enum(['worktree', 'branch']), name: z.string(), reason: z.string() })),
    staleRecords: z.number().int(),
  }),
);

/** Every JSON shape, by the command that prints it (for the tests and the docs). */
export const JSON_SHAPES = {
  run: SubmittedJson,
  resume: SubmittedJson,
  ls: TaskListJson,
  'status <id>': TaskJson,
  status: StatusSummaryJson,
  logs: LogsJson,
  'logs --follow': LogRecordJson,
  cancel: CancelJson,
  retry: RetryJson,
  deps: TaskJson,
  graph: GraphJson,
  'metrics <id>': TaskMetricsJson,
  metrics: SystemMetricsJson,
  'host status': HostStatusJson,
  'host start': HostStartJson,
  'host stop': HostStopJson,
  'config show': ConfigShowJson,
  'config show <key>': ConfigSettingJson,
  'config path': ConfigPathJson,
  'config set': ConfigSetJson,
  'config unset': ConfigUnsetJson,
  'db check': DbCheckJson,
  'db backup': DbBackupJson,
  'db prune': DbPruneJson,
  doctor: DoctorJson,
  diff: DiffJson,
  merge: MergeJson,
  'worktree ls': WorktreeListJson,
  'worktree rm': WorktreeRemoveJson,
  'worktree prune': WorktreePruneJson,
} as const;

/** A value that may hold read-only arrays and objects where the schema's type has mutable ones. */
export type JsonValue<T> = T extends (infer Item)[]
  ? readonly JsonValue<Item>[]
  : T extends Record<string, unknown>
    ? { readonly [Key in keyof T]: JsonValue<T[Key]> }
    : T;
