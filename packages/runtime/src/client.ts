import { randomBytes } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type CancelOutcome,
  ClaudineError,
  type CreateTaskError,
  type DependencyChange,
  formatTaskId,
  isTaskId,
  isTerminalStatus,
  type NewTask,
  type NewTaskInput,
  NewTaskInputSchema,
  type OutputChunk,
  type OutputDamage,
  type OutputRecord,
  type OutputStore,
  type OutputStream,
  type Task,
  type TaskGraph,
  type TaskOutputEntry,
  type TaskPage,
  type TaskQuery,
  unsupportedAgentOptions,
} from '@claudine/core';
import { createFileOutputStore } from '@claudine/runner';
import type { HostRecord, IntegrityReport, TaskAttempt } from '@claudine/store-sqlite';
import { sendSignal, watchSignals } from './change-signals.js';
import { createMetricsReader, type MetricsReader } from './client-metrics.js';
import { type Config, type ConfigInput, type ConfigSources, loadConfig } from './config.js';
import { type DataLayout, ensureDataDirectory, resolveDataDirectory } from './data-directory.js';
import { ensureHost, isLiveHost } from './ensure-host.js';
import { followTaskOutput } from './follow-output.js';
import { openTaskStore } from './open-task-store.js';
import { pruneTasks } from './prune.js';
import { submitterEnvironment } from './submitter-environment.js';
import { formatDuration } from './units.js';

// Output read at once by followOutputBytes: large enough that each read's fixed cost is small
// next to its copying.
const FOLLOW_READ_BYTES = 4 * 1024 * 1024;

/** Options for {@link openClaudine}. */
export interface ClaudineOptions {
  /** The data directory (default: `$CLAUDINE_HOME` or the platform data dir). */
  readonly home?: string;
  /**
   * The environment the client reads `CLAUDINE_*` settings from and submits tasks with: each
   * task it submits runs with these variables (default `process.env`), whatever the host's are.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Settings that take precedence over the file and the environment (command-line flags). */
  readonly overrides?: ConfigInput;
  /**
   * Start a detached host when none runs and there is work for one (default true): when a task
   * is submitted, and when a read (`get`, `list`, ...) finds queued or running tasks with no live
   * host, so that recovery and timeouts resume without waiting for the next submission.
   */
  readonly autoStartHost?: boolean;
}

/** What {@link Claudine.submit} did. */
export interface SubmitOutcome {
  /** The stored task; its id is on disk. */
  readonly task: Task;
  /** True when this call started a host for it. */
  readonly hostStarted: boolean;
  /** Why no host could be started, if one could not (the task stays queued). */
  readonly hostError: string | null;
}

/** What {@link Claudine.cancel} did, and whether a host will carry it out. */
export type CancelResult = CancelOutcome & {
  /**
   * For a running task: true when its host is gone, so no one was there to stop it. A host is
   * started then (its recovery records the task `cancelled`); a cancel is never undone.
   */
  readonly hostGone: boolean;
  /** True when this call started a host to carry the cancel out. */
  readonly hostStarted: boolean;
  /** Why no host could be started, if one was needed and could not be (the cancel stays requested). */
  readonly hostError: string | null;
};

/** Whether a host runs for the data directory. */
export interface HostStatus {
  readonly running: boolean;
  readonly host: HostRecord | null;
}

/** Options for {@link Claudine.waitForTask}. */
export interface WaitOptions {
  /** Called whenever the task is re-read (at least once a second). */
  readonly onUpdate?: (task: Task) => void;
  /** Return the task as it is once this much time has passed. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Options for {@link Claudine.followOutput}. */
export interface FollowOptions {
  readonly streams?: readonly OutputStream[];
  /** Start here (default: the beginning). */
  readonly offset?: number;
  /** Stop following: the task is returned as it is (what was delivered stays delivered). */
  readonly signal?: AbortSignal;
  /** Told once about each missing or damaged part of the log that was skipped. */
  readonly onDamage?: (damage: OutputDamage) => void;
  /** Deliver what is stored now and stop, without waiting for the task to finish. */
  readonly stopAtEnd?: boolean;
}

/**
 * What the CLI and the MCP server use: submit tasks, read their state and output, cancel them,
 * wait for them. A client never runs tasks itself; it starts a host when needed.
 */
export interface Claudine {
  readonly layout: DataLayout;
  readonly config: Config;
  readonly configSources: ConfigSources;
  /** Reads task output (any task, running or finished). */
  readonly output: OutputStore;
  /** Reads metrics: what tasks consumed, the system now, and its history. */
  readonly metrics: MetricsReader;
  /** Validates and stores a task, wakes (or starts) the host. Throws `invalid_input` or `not_found`. */
  submit(input: NewTaskInput): Promise<SubmitOutcome>;
  /**
   * Validates and stores several tasks in one transaction (all or none), then wakes the host.
   * Much faster than one `submit` each: one fsync for the batch.
   */
  submitMany(inputs: readonly NewTaskInput[]): Promise<readonly Task[]>;
  /** The task with this id; throws `not_found`. */
  get(id: string): Promise<Task>;
  list(query?: TaskQuery): Promise<TaskPage>;
  /** Every recorded run of the task (retries included), first first; throws `not_found`. */
  attempts(id: string): Promise<TaskAttempt[]>;
  /**
   * Cancels a queued task, or asks the host to stop a running one (durably: a host that dies
   * first leaves it to the next one's recovery, which records it cancelled). When the running
   * task's host is gone, starts one. Throws when the task is finished.
   */
  cancel(id: string, reason?: string): Promise<CancelResult>;
  /**
   * Runs a failed or cancelled task again, re-queuing with it the dependents that ended only
   * because of it. Throws `illegal_transition` for a task that did not fail, `conflict` while one
   * of its own dependencies still ends it.
   */
  retry(id: string): Promise<Task>;
  /**
   * Continues a claude task's conversation: submits a new claude task that resumes the session
   * the earlier one reported (`--resume`), with `instructions` as its prompt, in the same working
   * directory and with the same agent options unless `overrides` says otherwise. Throws
   * `invalid_input` for a task that is not a claude task or has no session yet.
   */
  resume(id: string, instructions: string, overrides?: Partial<NewTaskInput>): Promise<SubmitOutcome>;
  /**
   * Adds and removes dependencies of a queued task, all or nothing. Throws `dependency_cycle`
   * (naming the cycle), `not_found` for unknown ids, `conflict` once the task has started.
   */
  updateDependencies(id: string, change: DependencyChange): Promise<Task>;
  /** The workflow of `id` (tasks linked to it by dependencies), or the active workflows. */
  graph(id?: string, options?: { readonly limit?: number }): Promise<TaskGraph>;
  /** Resolves when the task is finished (or the wait times out / is aborted: then as it is). */
  waitForTask(id: string, options?: WaitOptions): Promise<Task>;
  /**
   * Calls `onRecords` with output as it arrives (within a fraction of a second: the log directory
   * is watched, and polled as a fallback), until the task is finished and all its output read.
   * When `onRecords` returns a promise, nothing more is read until it settles (backpressure).
   */
  followOutput(id: string, onRecords: (records: readonly OutputRecord[]) => void | Promise<void>, options?: FollowOptions): Promise<Task>;
  /**
   * {@link Claudine.followOutput} with the bytes the task wrote instead of text, for copying
   * output elsewhere unaltered (`claudine logs`, `run --wait`). The chunks' bytes are valid only
   * until `onChunks` returns (or its promise settles): the next read reuses their memory, so
   * following gigabytes allocates nothing per read. Copy what you keep.
   */
  followOutputBytes(id: string, onChunks: (chunks: readonly OutputChunk[]) => void | Promise<void>, options?: FollowOptions): Promise<Task>;
  /** What is known about a task's stored output (sizes, segments, truncation, deletion). */
  outputInfo(id: string): Promise<TaskOutputEntry | undefined>;
  hostStatus(): Promise<HostStatus>;
  /**
   * The ids of the tasks among `tasks` that are `running` but whose host is gone (it crashed):
   * no one watches them until a host recovers them. Reads each owner once.
   */
  orphanedIds(tasks: readonly Task[]): Promise<ReadonlySet<string>>;
  /** Checks the database (`claudine db check`). */
  checkDatabase(): Promise<IntegrityReport>;
  /** Writes a consistent copy of the database to `destination` (`claudine db backup`). */
  backupDatabase(destination: string): Promise<{ path: string; bytes: number }>;
  /** Deletes tasks that finished before `finishedBefore`, with their output (`claudine db prune`). */
  pruneTasks(finishedBefore: number): Promise<number>;
  /** Starts a host if none runs. */
  ensureHost(): Promise<{ started: boolean; host: HostRecord }>;
  close(): void;
}

// How often a client's reads look for work that has no host (see `autoStartHost`).
const SUPERVISION_INTERVAL_MS = 2000;

/**
 * Opens the data directory (creating it 0700 when missing) and its database. Throws
 * `config_invalid` for a bad config and storage errors naming the file for a bad database.
 */
export function openClaudine(options: ClaudineOptions = {}): Claudine {
  const environment = options.environment ?? process.env;
  const layout = ensureDataDirectory(options.home ?? resolveDataDirectory(environment));
  const { config, sources } = loadConfig({
    file: layout.config,
    environment,
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  });
  const store = openTaskStore(layout, { busyTimeoutMs: config.database.busyTimeout });
  const output = createFileOutputStore(layout.logs);
  const autoStart = options.autoStartHost ?? true;
  // Every task this client submits runs with this environment (one copy: tasks share it).
  const taskEnvironment = submitterEnvironment(environment);

  async function get(id: string): Promise<Task> {
    await supervise();
    return read(id);
  }

  async function read(id: string): Promise<Task> {
    if (!isTaskId(id)) {
      throw new ClaudineError(
        'invalid_input',
        `"${id}" is not a task id: ids are 10 characters like 3k9x2m4qab. List tasks with \`claudine ls\`.`,
      );
    }
    const task = await store.get(id);
    if (task === undefined) {
      throw new ClaudineError('not_found', `No task has id ${id}. List tasks with \`claudine ls\`.`, { details: { id } });
    }
    return task;
  }

  async function startHostIfNeeded(): Promise<{ started: boolean; host: HostRecord }> {
    return ensureHost({ store, layout, leaseMs: config.host.lease, environment });
  }

  // Reads look for work with no host at most this often: one indexed query, and only when it
  // finds work, the host's liveness.
  let supervisedAt = Number.NEGATIVE_INFINITY;
  async function supervise(): Promise<void> {
    if (!autoStart || Date.now() - supervisedAt < SUPERVISION_INTERVAL_MS) return;
    supervisedAt = Date.now();
    try {
      if (await store.hasUnfinishedTasks()) await startHostIfNeeded();
    } catch {
      // The read goes on; a host that cannot start is reported where one is needed (submit).
    }
  }

  async function isOwnerAlive(owner: string | null, cache: Map<string, boolean>): Promise<boolean> {
    if (owner === null) return false;
    let alive = cache.get(owner);
    if (alive === undefined) {
      const host = await store.getHost(owner);
      alive = host !== undefined && isLiveHost(host, config.host.lease);
      cache.set(owner, alive);
    }
    return alive;
  }

  const metrics = createMetricsReader({
    layout,
    config,
    getTask: get,
    host: async () => {
      const host = (await store.lockHolder()) ?? null;
      return host !== null && isLiveHost(host, config.host.lease) ? host : null;
    },
  });

  // A host that died while a client follows a task is replaced, which recovers the task.
  const followHostCheck = autoStart ? { checkHost: async () => void (await startHostIfNeeded()) } : {};

  const client: Claudine = {
    layout,
    config,
    configSources: sources,
    output,
    metrics,

    async submit(input) {
      const created = await createWithFreshIds(
        () => [prepareTask(input, config, taskEnvironment)],
        (tasks) => store.create(tasks[0] as NewTask),
      );
      sendSignal(layout.signals, 'wake');
      let hostStarted = false;
      let hostError: string | null = null;
      if (autoStart && created.status === 'queued') {
        try {
          hostStarted = (await startHostIfNeeded()).started;
        } catch (error) {
          hostError = error instanceof Error ? error.message : String(error);
        }
      }
      return { task: created, hostStarted, hostError };
    },

    async submitMany(inputs) {
      if (inputs.length === 0) return [];
      const created = await createWithFreshIds(
        () => inputs.map((input) => prepareTask(input, config, taskEnvironment)),
        (tasks) => store.createMany(tasks),
      );
      sendSignal(layout.signals, 'wake');
      if (autoStart) await startHostIfNeeded();
      return created;
    },

    get,

    async list(query) {
      await supervise();
      return store.list(query);
    },

    async attempts(id) {
      await get(id);
      return store.attempts(id);
    },

    async cancel(id, reason) {
      // Not `get`: a host it started now would recover the task before the cancel is stored.
      await read(id);
      const outcome = await store.requestCancel(id, reason ?? null, Date.now());
      if (!outcome.ok) {
        const error = outcome.error;
        if (error.kind === 'illegal_transition') {
          throw new ClaudineError('illegal_transition', `Task ${id} is already ${error.from}; there is nothing to cancel.`, {
            details: { id, status: error.from },
          });
        }
        throw new ClaudineError('not_found', error.message);
      }
      sendSignal(layout.signals, 'wake');
      const requested = outcome.value;
      const hostGone = requested.kind === 'requested' && !(await isOwnerAlive(requested.task.owner, new Map()));
      if (!hostGone) return { ...requested, hostGone, hostStarted: false, hostError: null };
      // Its host died: the request is stored, and a host's recovery carries it out.
      try {
        const { started } = await startHostIfNeeded();
        return { ...requested, hostGone, hostStarted: started, hostError: null };
      } catch (error) {
        return { ...requested, hostGone, hostStarted: false, hostError: error instanceof Error ? error.message : String(error) };
      }
    },

    async retry(id) {
      await get(id);
      const retried = await store.retry(id, Date.now());
      if (!retried.ok) {
        const error = retried.error;
        if (error.kind === 'illegal_transition') {
          throw new ClaudineError(
            'illegal_transition',
            `Task ${id} is ${error.from}: only a failed or cancelled task can be retried.${error.from === 'completed' ? ' Submit a new task to run it again.' : ''}`,
            { details: { id, status: error.from } },
          );
        }
        throw new ClaudineError(error.kind === 'not_found' ? 'not_found' : 'conflict', capitalize(error.message), { details: { id } });
      }
      sendSignal(layout.signals, 'wake');
      if (autoStart) await startHostIfNeeded();
      return retried.value;
    },

    async resume(id, instructions, overrides = {}) {
      const original = await get(id);
      if (original.agent !== 'claude') {
        throw new ClaudineError(
          'invalid_input',
          `Task ${id} ran the ${original.agent} agent; only claude tasks have a session to resume. Submit a new task instead.`,
          { details: { id } },
        );
      }
      const sessionId = original.report?.sessionId ?? original.agentOptions.resumeSessionId ?? null;
      if (sessionId === null) {
        throw new ClaudineError(
          'invalid_input',
          `Task ${id} has no Claude session yet (it is ${original.status} and never reported one). Wait until it has run, or retry it.`,
          { details: { id, status: original.status } },
        );
      }
      return client.submit({
        prompt: instructions,
        agent: 'claude',
        cwd: original.cwd,
        priority: original.priority,
        labels: original.labels,
        timeoutMs: original.timeoutMs,
        maxRetries: original.maxRetries,
        ...(original.notify === null ? {} : { notify: original.notify }),
        ...overrides,
        agentOptions: { ...original.agentOptions, ...overrides.agentOptions, resumeSessionId: sessionId },
      });
    },

    async updateDependencies(id, change) {
      await get(id);
      for (const other of [...(change.add ?? []), ...(change.remove ?? [])]) {
        if (!isTaskId(other))
          throw new ClaudineError('invalid_input', `"${other}" is not a task id: ids are 10 characters like 3k9x2m4qab.`);
      }
      const updated = await store.updateDependencies(id, change, Date.now());
      if (!updated.ok) {
        const error = updated.error;
        const code = error.kind === 'dependency_cycle' ? 'dependency_cycle' : error.kind === 'not_queued' ? 'conflict' : 'not_found';
        throw new ClaudineError(code, capitalize(error.message), {
          details: error.kind === 'dependency_cycle' ? { id, cycle: error.cycle } : { id },
        });
      }
      sendSignal(layout.signals, 'wake');
      return updated.value;
    },

    async graph(id, graphOptions = {}) {
      if (id !== undefined) await get(id);
      else await supervise();
      return store.graph({
        ...(id === undefined ? {} : { taskId: id }),
        ...(graphOptions.limit === undefined ? {} : { limit: graphOptions.limit }),
      });
    },

    async waitForTask(id, waitOptions = {}) {
      let task = await get(id);
      if (isTerminalStatus(task.status)) return task;
      const deadline = waitOptions.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + waitOptions.timeoutMs;
      return await new Promise<Task>((resolvePromise, reject) => {
        let checking = false;
        let lastHostCheck = Date.now();
        const finish = (value: Task): void => {
          watcher.close();
          clearTimeout(timer);
          waitOptions.signal?.removeEventListener('abort', onAbort);
          resolvePromise(value);
        };
        const check = (): void => {
          if (checking) return;
          checking = true;
          void (async () => {
            try {
              task = await get(id);
              waitOptions.onUpdate?.(task);
              if (isTerminalStatus(task.status) || Date.now() >= deadline) return finish(task);
              // A host that died while we waited: start another, which recovers the task.
              if (autoStart && Date.now() - lastHostCheck > 2000) {
                lastHostCheck = Date.now();
                await startHostIfNeeded();
              }
            } catch (error) {
              watcher.close();
              clearTimeout(timer);
              reject(error);
            } finally {
              checking = false;
            }
          })();
        };
        const onAbort = (): void => finish(task);
        const watcher = watchSignals(layout.signals, 'changed', check, 500);
        const timer = setTimeout(check, Number.isFinite(deadline) ? Math.max(0, deadline - Date.now()) : 2 ** 31 - 1);
        waitOptions.signal?.addEventListener('abort', onAbort, { once: true });
        check();
      });
    },

    followOutput(id, onRecords, followOptions = {}) {
      const { streams, ...options } = followOptions;
      const readSlice = (offset: number) => output.read(id, { offset, ...(streams === undefined ? {} : { streams }) });
      return followTaskOutput(id, { layout, getTask: get, readSlice, ...followHostCheck }, onRecords, options);
    },

    followOutputBytes(id, onChunks, followOptions = {}) {
      const { streams, ...options } = followOptions;
      // Two buffers used in turn for every read: the chunks are handed over only until onChunks
      // settles, while the next slice is read into the other one.
      const buffers = [Buffer.allocUnsafe(FOLLOW_READ_BYTES), Buffer.allocUnsafe(FOLLOW_READ_BYTES)] as const;
      let reads = 0;
      const readSlice = (offset: number) =>
        output.readBytes(id, {
          offset,
          buffer: buffers[reads++ % 2] as Buffer,
          maxBytes: FOLLOW_READ_BYTES,
          ...(streams === undefined ? {} : { streams }),
        });
      return followTaskOutput(id, { layout, getTask: get, readSlice, ...followHostCheck }, onChunks, options);
    },

    async outputInfo(id) {
      await supervise();
      return store.outputCatalog().describe(id);
    },

    async hostStatus() {
      const host = (await store.lockHolder()) ?? null;
      return { running: host !== null && isLiveHost(host, config.host.lease), host };
    },

    async orphanedIds(tasks) {
      const liveness = new Map<string, boolean>();
      const orphaned = new Set<string>();
      for (const task of tasks) {
        if (task.status === 'running' && !(await isOwnerAlive(task.owner, liveness))) orphaned.add(task.id);
      }
      return orphaned;
    },

    ensureHost: startHostIfNeeded,

    checkDatabase() {
      return store.checkIntegrity();
    },

    async backupDatabase(destination) {
      const path = resolve(destination);
      const { bytes } = await store.backup(path);
      return { path, bytes };
    },

    pruneTasks(finishedBefore) {
      return pruneTasks(store, layout, finishedBefore);
    },

    close() {
      metrics.close();
      store.close();
    },
  };
  return client;
}

/**
 * Creates tasks, drawing new ids if one collides with a stored task (50 random bits make that
 * rare, but a client must never fail on it). Errors other than a collision are thrown as
 * `ClaudineError`s that say what to do.
 */
async function createWithFreshIds<T>(
  prepare: () => NewTask[],
  create: (tasks: NewTask[]) => Promise<{ ok: true; value: T } | { ok: false; error: CreateTaskError }>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await create(prepare());
    if (result.ok) return result.value;
    if (result.error.kind === 'duplicate_id' && attempt < 5) continue;
    throw new ClaudineError(result.error.kind === 'unknown_dependency' ? 'not_found' : 'conflict', result.error.message);
  }
}

/** Validates a submission and fills in what the configuration decides. */
function prepareTask(input: NewTaskInput, config: Config, environment: Readonly<Record<string, string>>): NewTask {
  const parsed = NewTaskInputSchema.safeParse({
    agent: config.defaults.agent,
    priority: config.defaults.priority,
    ...stripUndefined(input as Record<string, unknown>),
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'task'}: ${issue.message}`);
    throw new ClaudineError('invalid_input', `The task is invalid:\n  ${issues.join('\n  ')}`, { details: { issues } });
  }
  const value = parsed.data;
  const unsupported = unsupportedAgentOptions(value.agent, value.agentOptions);
  if (unsupported.length > 0) {
    throw new ClaudineError(
      'invalid_input',
      `The ${value.agent} agent does not take ${unsupported.join(', ')}: remove ${unsupported.length > 1 ? 'them' : 'it'}, or pick the agent that does (claude).`,
    );
  }
  const cwd = checkWorkingDirectory(value.cwd);
  const timeoutMs = value.timeoutMs ?? config.timeout.default;
  if (timeoutMs > config.timeout.max) {
    throw new ClaudineError(
      'invalid_input',
      `The timeout ${formatDuration(timeoutMs)} is longer than the maximum ${formatDuration(config.timeout.max)}: ask for less, or raise timeout.max in the configuration.`,
    );
  }
  const agentOptions = { ...value.agentOptions };
  if (value.agent === 'claude') {
    agentOptions.permissionMode ??= config.agents.claude.permissionMode;
    if (config.agents.claude.model !== undefined) agentOptions.model ??= config.agents.claude.model;
    if (config.budget.perTask !== undefined) agentOptions.maxBudgetUsd ??= config.budget.perTask;
  }
  return {
    id: formatTaskId(randomBytes(8)),
    prompt: value.prompt,
    agent: value.agent,
    agentOptions,
    cwd,
    priority: value.priority,
    timeoutMs,
    labels: value.labels,
    dependsOn: value.dependsOn,
    dependencyPolicy: value.dependencyPolicy,
    passDependencyResults: value.passDependencyResults,
    maxRetries: value.maxRetries ?? config.retry.maxRetries,
    notify: value.notify ?? null,
    createdAt: Date.now(),
    environment,
  };
}

function checkWorkingDirectory(path: string): string {
  const absolute = resolve(path);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    throw new ClaudineError(
      'invalid_input',
      `The working directory ${absolute} does not exist: create it, or pass an existing directory as the cwd.`,
      {
        details: { cwd: absolute },
      },
    );
  }
  if (!statSync(real).isDirectory()) {
    throw new ClaudineError(
      'invalid_input',
      `The working directory ${absolute} is a file, not a directory: pass the directory the agent should work in.`,
      {
        details: { cwd: absolute },
      },
    );
  }
  return real;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));
}
