import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  ClaudineError,
  type Clock,
  createScheduler,
  formatTaskId,
  type OutputEvent,
  type Scheduler,
  type SchedulerEvent,
  type Task,
} from '@claudine/core';
import {
  createClaudeAgent,
  createCodexAgent,
  createCommandAgent,
  createFileOutputStore,
  createOutputMaintenance,
  createProcessRunner,
  identifyProcess,
  isSameProcessAlive,
} from '@claudine/runner';
import type { HostRecord } from '@claudine/store-sqlite';
import { createThrottledSignal, type SignalWatcher, sendSignal, watchSignals } from '../change-signals.js';
import { withSubmitterEnvironment } from '../client/submitter-environment.js';
import { type Config, type ConfigInput, loadConfig, resolveConcurrency } from '../config/config.js';
import { type DataLayout, ensureDataDirectory, resolveDataDirectory } from '../config/data-directory.js';
import { createHostMetrics } from '../metrics/host-metrics.js';
import { createNotificationService } from '../notify/notification-service.js';
import { openTaskStore } from '../open-task-store.js';
import { formatDuration } from '../units.js';
import { openWorkspace } from '../worktrees/open-workspace.js';
import { withDependencyResults } from './dependency-results.js';
import { createOutcomeJournal } from './outcome-journal.js';
import { pruneTasks } from './prune.js';
import { recoverOrphanedTasks } from './recovery.js';
import { withSessionContinuation } from './session-continuation.js';
import { commitTaskWorktree, withTaskWorktrees } from './task-worktrees.js';
import { createWorktreeRetention } from './worktree-retention.js';

const PRUNE_EVERY_MS = 3_600_000;

/** Options for {@link startHost}. */
export interface HostOptions {
  /** The data directory (default: `$CLAUDINE_HOME` or the platform data dir). */
  readonly home?: string;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Settings; loaded from the data directory and environment when omitted. */
  readonly config?: Config;
  /** Settings that take precedence over the file and the environment (flags), when `config` is omitted. */
  readonly overrides?: ConfigInput;
  /** Exit after `host.idleExit` with nothing queued or running (hosts started on demand do). */
  readonly exitWhenIdle?: boolean;
  /**
   * Take the data directory's lock (default true). Without it several hosts can share a store;
   * claims stay atomic and the concurrency cap global, so this is safe, only less tidy.
   */
  readonly lock?: boolean;
  /** Where the host writes what it does, one line at a time. */
  readonly log?: (line: string) => void;
}

/** Why a host stopped. */
export type HostExit = 'stopped' | 'idle';

/** A running host. */
export interface Host {
  readonly id: string;
  readonly layout: DataLayout;
  /** Most tasks it runs at once. */
  readonly concurrency: number;
  /** Settles when the host has stopped and released the data directory. */
  readonly stopped: Promise<HostExit>;
  /**
   * Stops claiming, terminates running tasks (SIGTERM to each whole process tree, SIGKILL after
   * the grace period; recorded as failed with reason `shutdown`), releases the data directory.
   */
  stop(): Promise<void>;
  /**
   * Cuts any grace period short: SIGKILLs every process of every running task now,
   * synchronously. For a host that must exit at once; `stop()` still records what it can.
   */
  killTasks(): void;
  /**
   * Stops claiming, lets the running tasks finish and be recorded, then stops as `stop()` does
   * (before an upgrade: nothing is cut short). Queued tasks wait for the next host. Resolves
   * once the host has stopped.
   */
  drain(): Promise<void>;
  /** Where `/metrics` is served (`metrics.listen`), if it is. */
  readonly metricsEndpoint: { readonly host: string; readonly port: number } | undefined;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * Starts the host for a data directory: takes its lock (refusing if a live host holds it),
 * recovers tasks left running by a dead host, then claims and runs tasks until stopped (or idle,
 * with `exitWhenIdle`). Throws `host_running` when another host holds the lock.
 */
export async function startHost(options: HostOptions = {}): Promise<Host> {
  const environment = options.environment ?? process.env;
  const layout = ensureDataDirectory(options.home ?? resolveDataDirectory(environment));
  const config =
    options.config ??
    loadConfig({ file: layout.config, environment, ...(options.overrides === undefined ? {} : { overrides: options.overrides }) }).config;
  const log = options.log ?? (() => {});
  // The host's own state changes use synchronous=NORMAL: they survive a crash of any process;
  // on power loss the last ones may roll back, which recovery treats as a crash.
  const store = openTaskStore(layout, { synchronous: 'NORMAL', busyTimeoutMs: config.database.busyTimeout });
  const id = `host-${formatTaskId(randomBytes(8))}`;
  const self = identifyProcess(process.pid);
  const record = {
    id,
    pid: process.pid,
    pidStartTime: self?.startTime ?? null,
    hostname: hostname(),
    startedAt: Date.now(),
    heartbeatAt: Date.now(),
  };
  const isHostAlive = (host: HostRecord): boolean => {
    if (host.stoppedAt !== null) return false;
    if (host.hostname === record.hostname) return isSameProcessAlive({ pid: host.pid, startTime: host.pidStartTime });
    // Another machine sharing the directory: trust its heartbeat.
    return Date.now() - host.heartbeatAt < config.host.lease;
  };
  const workspace = openWorkspace(layout, config);
  const recoveryOptions = () => ({
    store,
    selfId: id,
    isHostAlive,
    killGraceMs: config.timeout.killGrace,
    retryOnCrash: config.retry.onCrash,
    outcomesDirectory: layout.outcomes,
    beforeRecord: (task: Task) => commitTaskWorktree(task, { store, workspace, log }),
    log,
  });
  try {
    if (options.lock ?? true) {
      const acquired = await store.acquireHostLock(record, isHostAlive);
      if (!acquired.ok) {
        const holder = acquired.error.holder;
        throw new ClaudineError(
          'host_running',
          `Another Claudine host (pid ${holder.pid} on ${holder.hostname}, since ${new Date(holder.startedAt).toISOString()}) already runs tasks for ${layout.root}. Clients hand it tasks on their own; stop it with \`claudine host stop\` if you want to run one yourself.`,
          { details: { holder } },
        );
      }
    } else await store.registerHost(record);
    const recovered = await recoverOrphanedTasks(recoveryOptions());
    if (recovered.failed.length + recovered.requeued.length > 0) sendSignal(layout.signals, 'changed');
  } catch (error) {
    store.close();
    throw error;
  }

  const concurrency = resolveConcurrency(config);
  // Room for the end of every run it may have at once, taken now while there is room: a run
  // that ends on a full disk is kept here until the database takes it.
  const journal = createOutcomeJournal({ directory: layout.outcomes, hostId: id, slots: concurrency, log });
  const outputCatalog = store.outputCatalog();
  const maintenance = createOutputMaintenance({
    logsDirectory: layout.logs,
    catalog: outputCatalog,
    compressionAgeMs: config.output.compressionAge,
    retentionMs: config.output.retention,
    databaseIdentity: store.identity,
    log,
  });
  const metrics = createHostMetrics({
    config,
    layout,
    store: store.metricsStore(),
    hostId: id,
    log,
    poke: () => scheduler.poke(),
  });
  const runner = createProcessRunner({
    logsDirectory: layout.logs,
    // Each run gets its submitter's environment (withSubmitterEnvironment); the host's own
    // is never a task's.
    environment: {},
    killGraceMs: config.timeout.killGrace,
    warnAtFraction: config.timeout.warnAt,
    maxBufferedOutputBytes: config.output.bufferBytes,
    segmentBytes: config.output.segmentBytes,
    maxOutputBytesPerTask: config.output.maxBytesPerTask,
    // Each task's own cgroup, where the host may create one: metrics read it, the runner kills it.
    cgroups: { reserve: (taskId) => metrics.sampler.reserveCgroup(taskId) },
    onOutputEvent(event) {
      outputCatalog
        .record(event)
        .catch((error: unknown) => log(`could not record the output of task ${event.taskId}: ${(error as Error).message}`));
      if (event.kind === 'segment_closed') maintenance.segmentClosed(event.taskId, event.segment);
    },
    agents: {
      claude: createClaudeAgent({ command: config.agents.claude.command }),
      codex: createCodexAgent({ command: config.agents.codex.command }),
      command: createCommandAgent({ shell: config.agents.command.shell }),
    },
  });

  const worktreeRunOptions = {
    store,
    workspace,
    logsDirectory: layout.logs,
    onOutputEvent: (event: OutputEvent) =>
      void outputCatalog
        .record(event)
        .catch((error: unknown) => log(`could not record the output of task ${event.taskId}: ${(error as Error).message}`)),
    killGraceMs: config.timeout.killGrace,
    log,
  };

  const worktreeRetention = createWorktreeRetention({ store, workspace, retentionMs: config.worktree.retention, log });

  const notifications = createNotificationService({
    settings: config.notify,
    shell: config.agents.command.shell,
    layout,
    hostId: id,
    environment,
    readWorkflow: (taskId) => store.workflowSummary(taskId),
    log,
  });

  // Set once drain() is called: nothing more is claimed, and the host stops once idle.
  let draining: NodeJS.Timeout | undefined;
  let lastActivity = Date.now();
  const signalChanged = createThrottledSignal(layout.signals, 'changed');
  const onEvent = (event: SchedulerEvent): void => {
    lastActivity = Date.now();
    log(describeEvent(event));
    if (event.kind !== 'error') signalChanged();
    if (event.kind === 'task_finished') notifications.taskFinished(event.task);
  };
  const scheduler: Scheduler = createScheduler({
    store,
    runner: metrics.measure(
      withDependencyResults(
        withSessionContinuation(
          withSubmitterEnvironment(withTaskWorktrees(runner, worktreeRunOptions), {
            read: (taskId) => store.taskEnvironment(taskId),
            hostEnvironment: environment,
            claudineVariables: { CLAUDINE_HOME: layout.root },
            log,
          }),
        ),
        { store, output: createFileOutputStore(layout.logs) },
      ),
    ),
    clock: realClock,
    random: Math.random,
    owner: id,
    concurrency,
    leaseMs: config.host.lease,
    retryBackoff: { baseDelayMs: config.retry.baseDelay, maxDelayMs: config.retry.maxDelay },
    claimBudget: metrics.claimBudget,
    canStart: () => draining === undefined,
    journal,
    onEvent,
  });

  let lastVersion = -1;
  const onSignal = (): void => {
    let version: number;
    try {
      version = store.dataVersion();
    } catch (error) {
      log(`could not read the database: ${(error as Error).message}`);
      return;
    }
    // data_version moves only when another connection commits: nothing new, nothing to do.
    if (version === lastVersion) return;
    lastVersion = version;
    scheduler.poke(true);
  };
  const watcher: SignalWatcher = watchSignals(layout.signals, 'wake', onSignal);
  // Another host sharing the directory frees slots of the global cap when its tasks end; its
  // 'changed' signal lets this one claim at once. Our own signals cost one data_version read.
  const peerWatcher: SignalWatcher = watchSignals(layout.signals, 'changed', onSignal, 60_000);

  let resolveStopped: (exit: HostExit) => void = () => {};
  const stopped = new Promise<HostExit>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  // A host that dies (an uncaught error, process.exit) takes its tasks' processes with it
  // rather than leave them running unwatched until the next host's recovery.
  const killOnExit = (): void => runner.killAll();
  process.on('exit', killOnExit);
  const shutdown = (exit: HostExit): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(draining);
      clearInterval(idleTimer);
      clearInterval(housekeepingTimer);
      clearInterval(sweepTimer);
      watcher.close();
      peerWatcher.close();
      await scheduler.stop();
      await notifications.stop();
      await housekeeping;
      await metrics.stop();
      await maintenance.stop();
      await worktreeRetention.stop();
      journal.close();
      try {
        if (exit !== 'idle') await store.releaseHost(id, Date.now());
      } catch (error) {
        log(`could not release the host lock: ${(error as Error).message}`);
      }
      store.close();
      process.off('exit', killOnExit);
      sendSignal(layout.signals, 'changed');
      log(`host ${id} stopped (${exit})`);
      resolveStopped(exit);
    })();
    return stopping;
  };

  const idleTimer = setInterval(
    () => {
      if (!options.exitWhenIdle || !scheduler.idle || Date.now() - lastActivity < config.host.idleExit) return;
      // Released only if nothing is queued or running, in one transaction: a task submitted a
      // moment ago keeps the host, and a client that looks after this sees no host and starts one.
      store.releaseHostIfIdle(id, Date.now()).then(
        (released) => {
          if (released) void shutdown('idle');
          else lastActivity = Date.now();
        },
        (error: unknown) => log(`idle check failed: ${(error as Error).message}`),
      );
    },
    Math.min(1000, Math.max(50, Math.floor(config.host.idleExit / 4))),
  );

  // Housekeeping: recover tasks of hosts that died while this one runs (their claims would
  // otherwise hold slots of the global cap), and prune old finished tasks with their output.
  let housekeeping: Promise<void> | undefined;
  let lastPrune = 0;
  const runHousekeeping = (): void => {
    housekeeping ??= (async () => {
      try {
        const recovered = await recoverOrphanedTasks(recoveryOptions());
        if (recovered.failed.length + recovered.requeued.length > 0) {
          sendSignal(layout.signals, 'changed');
          scheduler.poke();
        }
        if (config.database.pruneAfter > 0 && Date.now() - lastPrune > PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          const pruned = await pruneTasks(store, layout, Date.now() - config.database.pruneAfter);
          if (pruned > 0) log(`pruned ${pruned} task(s) that finished more than ${formatDuration(config.database.pruneAfter)} ago`);
        }
      } catch (error) {
        log(`housekeeping failed: ${(error as Error).message}`);
      } finally {
        housekeeping = undefined;
      }
    })();
  };
  const housekeepingTimer = setInterval(runHousekeeping, Math.max(1000, config.host.lease));
  runHousekeeping();
  const sweep = (): void => {
    worktreeRetention.sweep();
    maintenance.sweep().then(
      (report) => {
        const done = report.compressedSegments + report.deletedLogs + report.deletedOrphans + report.failures;
        if (done > 0) {
          log(
            `logs: ${report.compressedSegments} segments compressed (${report.savedBytes} bytes saved), ${report.deletedLogs} expired logs and ${report.deletedOrphans} orphaned ones deleted, ${report.failures} failures`,
          );
        }
      },
      (error: unknown) => log(`log maintenance failed: ${(error as Error).message}`),
    );
  };
  const sweepTimer = setInterval(sweep, outputSweepInterval(config));
  sweepTimer.unref();

  log(`host ${id} (pid ${process.pid}) runs up to ${concurrency} tasks from ${layout.root}`);
  try {
    await metrics.start();
  } catch (error) {
    log(`metrics: ${(error as Error).message}`);
  }
  notifications.start();
  scheduler.start();
  sweep();
  onSignal();
  return {
    id,
    layout,
    concurrency,
    stopped,
    stop: () => shutdown('stopped'),
    killTasks: () => runner.killAll(),
    drain() {
      if (draining === undefined && stopping === undefined) {
        log(`host ${id} finishes its ${scheduler.runningIds.length} running task(s), claims no more, then stops`);
        draining = setInterval(() => {
          if (scheduler.idle) void shutdown('stopped');
        }, 100);
      }
      return stopped.then(() => {});
    },
    metricsEndpoint: metrics.endpoint,
  };
}

// Often enough that segments are compressed and logs deleted close to when they are due, never
// more than once a second nor less than every 10 minutes.
function outputSweepInterval(config: Config): number {
  const due = Math.min(config.output.compressionAge > 0 ? config.output.compressionAge : Number.POSITIVE_INFINITY, config.output.retention);
  return Math.min(600_000, Math.max(1000, Math.floor(due / 4)));
}

function describeEvent(event: SchedulerEvent): string {
  switch (event.kind) {
    case 'task_started':
      return `task ${event.task.id} started (attempt ${event.task.attempt}, ${event.task.agent})`;
    case 'task_finished':
      return `task ${event.task.id} ${event.task.status}${event.task.statusDetail === null ? '' : `: ${event.task.statusDetail}`}`;
    case 'task_requeued':
      return `task ${event.task.id} requeued, retry at ${new Date(event.retryAt).toISOString()}`;
    case 'task_warning':
      return `task ${event.taskId} nears its timeout (deadline ${new Date(event.deadline).toISOString()})`;
    case 'lease_lost':
      return `task ${event.taskId}: ${event.message}`;
    case 'error':
      return `error: ${event.message}`;
  }
}
