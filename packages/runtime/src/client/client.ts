// openClaudine: the client apps use, composed of the store, the output store, metrics and the
// host it starts when there is work and no live host. Building a task is submit.ts's; waiting,
// wait.ts's; following output, follow-output.ts's.
import { resolve } from 'node:path';
import { ClaudineError, isClaudineError, isTaskId, type NewTask, type NewTaskInput, NewTaskInputSchema, type Task } from '@claudine/core';
import { createFileOutputStore } from '@claudine/runner';
import type { HostRecord } from '@claudine/store-sqlite';
import { sendSignal } from '../change-signals.js';
import { loadConfig } from '../config/config.js';
import { ensureDataDirectory, resolveDataDirectory } from '../config/data-directory.js';
import { pruneTasks } from '../host/prune.js';
import { createMetricsReader } from '../metrics/client-metrics.js';
import { openTaskStore } from '../open-task-store.js';
import { resolveBatchWorktrees, stackWithinBatch } from './batch-worktrees.js';
import type { Claudine, ClaudineOptions, SubmitOutcome } from './claudine.js';
import { ensureHost, isLiveHost } from './ensure-host.js';
import { followTaskOutput } from './follow-output.js';
import { createWithFreshIds, prepareTask } from './submit.js';
import { type BatchTaskInput, prepareBatch } from './submit-batch.js';
import { submitterEnvironment } from './submitter-environment.js';
import { waitForTask } from './wait.js';
import { resolveWorktreeRequest, resumedWorktree, type WorktreeResolution } from './worktree-request.js';
import { openClientWorktrees } from './worktrees.js';

// Output read at once by followOutputBytes: large enough that each read's fixed cost is small
// next to its copying.
const FOLLOW_READ_BYTES = 4 * 1024 * 1024;

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

  const worktrees = openClientWorktrees({ layout, config, store, getTask: get });

  async function submitResolved(input: NewTaskInput, worktree: WorktreeResolution): Promise<SubmitOutcome> {
    const created = await createWithFreshIds(
      () => [prepareTask(input, config, taskEnvironment, worktree)],
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
    return { task: created, hostStarted, hostError, warnings: worktree.warnings };
  }

  const client: Claudine = {
    layout,
    config,
    configSources: sources,
    output,
    metrics,

    async submit(input) {
      return submitResolved(input, await resolveWorktreeRequest(input, worktrees.requestContext));
    },

    async submitMany(inputs) {
      if (inputs.length === 0) return [];
      // Each worktree is resolved once (git), before the ids are drawn.
      const resolved = await resolveBatchWorktrees(inputs, worktrees.requestContext);
      // Ids are drawn before the transaction, so the batch's names are resolved before it too.
      let ids: readonly string[] = [];
      const created = await createWithFreshIds(
        () => {
          const batch = prepareBatch(inputs, (input, index) => prepareTask(input, config, taskEnvironment, resolved.resolutions[index]));
          ids = batch.ids;
          return stackWithinBatch(batch.tasks, batch.ids, resolved);
        },
        (tasks) => store.createMany(tasks),
      ).catch((error: unknown) => {
        throw withBatchLabel(error, inputs);
      });
      sendSignal(layout.signals, 'wake');
      if (autoStart) await startHostIfNeeded();
      const byId = new Map(created.map((task) => [task.id, task]));
      return ids.map((id) => byId.get(id) as Task);
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

    async retry(id, change = {}) {
      await get(id);
      if (change.prompt !== undefined) {
        const checked = NewTaskInputSchema.shape.prompt.safeParse(change.prompt);
        if (!checked.success) throw new ClaudineError('invalid_input', `The new prompt is invalid: ${checked.error.issues[0]?.message}`);
      }
      const retried = await store.retry(id, Date.now(), change);
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
      return submitResolved(
        {
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
        },
        resumedWorktree(original),
      );
    },

    async receivedPrompt(id) {
      const task = await get(id);
      return (await store.receivedPrompt(id)) ?? task.prompt;
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

    waitForTask(id, waitOptions = {}) {
      return waitForTask(
        id,
        { layout, get, ...(autoStart ? { checkHost: async () => void (await startHostIfNeeded()) } : {}) },
        waitOptions,
      );
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

    ...worktrees.api,

    close() {
      metrics.close();
      store.close();
    },
  };
  return client;
}

// An unknown dependency named by the task of the batch that gave it (`line 7: ...`).
function withBatchLabel(error: unknown, inputs: readonly BatchTaskInput[]): unknown {
  if (!isClaudineError(error) || error.code !== 'not_found' || !Array.isArray(error.details.ids)) return error;
  const missing = new Set(error.details.ids as string[]);
  const index = inputs.findIndex((input) => input.dependsOn?.some((id) => missing.has(id)));
  if (index < 0) return error;
  const label = inputs[index]?.label ?? `task ${index + 1}`;
  return new ClaudineError('not_found', `${label}: ${error.message}`, { cause: error, details: { ...error.details, entry: index } });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
