import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ClaudineError, formatTaskId, type SchedulerEvent, type Task } from '@claudine/core';
import { createOutputMaintenance, identifyProcess, isSameProcessAlive } from '@claudine/runner';
import type { HostRecord } from '@claudine/store-sqlite';
import { createThrottledSignal, sendSignal } from '../change-signals.js';
import { type Config, type ConfigInput, loadConfig, resolveConcurrency } from '../config/config.js';
import { type DataLayout, ensureDataDirectory, resolveDataDirectory } from '../config/data-directory.js';
import { createHostMetrics } from '../metrics/host-metrics.js';
import { createNotificationService } from '../notify/notification-service.js';
import { openTaskStore } from '../open-task-store.js';
import { openWorkspace } from '../worktrees/open-workspace.js';
import { createHostRunner } from './host-runner.js';
import { createOutcomeJournal } from './outcome-journal.js';
import { recoverOrphanedTasks } from './recovery.js';
import { createClaimLoopService } from './services/claim-loop-service.js';
import { type HostService, startServices, stopServices } from './services/host-service.js';
import { createHousekeepingService } from './services/housekeeping-service.js';
import { createIdleExitService } from './services/idle-exit-service.js';
import { createLogSweepService } from './services/log-sweep-service.js';
import { metricsService } from './services/metrics-service.js';
import { notificationsService } from './services/notifications-service.js';
import { outputMaintenanceService } from './services/output-maintenance-service.js';
import { createWakeWatchService } from './services/wake-watch-service.js';
import { commitTaskWorktree } from './task-worktrees.js';
import { createWorktreeRetention } from './worktree-retention.js';

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
  const maintenance = createOutputMaintenance({
    logsDirectory: layout.logs,
    catalog: store.outputCatalog(),
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
    poke: () => claimLoop.poke(),
  });
  const runner = createHostRunner({ config, layout, store, metrics, maintenance, environment, workspace, log });
  const notifications = createNotificationService({
    settings: config.notify,
    shell: config.agents.command.shell,
    layout,
    hostId: id,
    environment,
    readWorkflow: (taskId) => store.workflowSummary(taskId),
    log,
  });

  let resolveStopped: (exit: HostExit) => void = () => {};
  const stopped = new Promise<HostExit>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const idleExit = createIdleExitService({
    exitWhenIdle: options.exitWhenIdle ?? false,
    idleExitMs: config.host.idleExit,
    isIdle: () => claimLoop.idle,
    releaseIfIdle: () => store.releaseHostIfIdle(id, Date.now()),
    shutdown: (exit) => void shutdown(exit),
    log,
  });
  const signalChanged = createThrottledSignal(layout.signals, 'changed');
  const onEvent = (event: SchedulerEvent): void => {
    idleExit.activity();
    log(describeEvent(event));
    if (event.kind !== 'error') signalChanged();
    if (event.kind === 'task_finished') notifications.taskFinished(event.task);
  };
  const claimLoop = createClaimLoopService({
    store,
    runner: runner.run,
    owner: id,
    concurrency,
    leaseMs: config.host.lease,
    retryBackoff: { baseDelayMs: config.retry.baseDelay, maxDelayMs: config.retry.maxDelay },
    claimBudget: metrics.claimBudget,
    canStart: () => !idleExit.draining,
    journal,
    onEvent,
  });

  // Started in this order, stopped in the reverse: the claim loop starts once what it relies on
  // runs, and stops (its tasks' ends recorded, their notifications queued, their last segments
  // closed) before notifications, metrics and the output maintenance that those ends feed;
  // housekeeping stops last, while the store is still open.
  const services: readonly HostService[] = [
    createHousekeepingService({
      store,
      layout,
      config,
      recovery: recoveryOptions(),
      onRecovered: () => {
        sendSignal(layout.signals, 'changed');
        claimLoop.poke();
      },
      log,
    }),
    outputMaintenanceService(maintenance),
    metricsService(metrics, log),
    notificationsService(notifications),
    claimLoop,
    createLogSweepService(
      maintenance,
      config,
      log,
      createWorktreeRetention({ store, workspace, retentionMs: config.worktree.retention, log }),
    ),
    createWakeWatchService({
      signalsDirectory: layout.signals,
      dataVersion: () => store.dataVersion(),
      wake: () => claimLoop.poke(true),
      log,
    }),
    idleExit,
  ];

  // A host that dies (an uncaught error, process.exit) takes its tasks' processes with it
  // rather than leave them running unwatched until the next host's recovery.
  const killOnExit = (): void => runner.processes.killAll();
  process.on('exit', killOnExit);
  // What the host holds besides its services: the journal, its registration, the store.
  const release = async (exit: HostExit): Promise<void> => {
    journal.close();
    try {
      if (exit !== 'idle') await store.releaseHost(id, Date.now());
    } catch (error) {
      log(`could not release the host lock: ${(error as Error).message}`);
    }
    store.close();
    process.off('exit', killOnExit);
    sendSignal(layout.signals, 'changed');
  };
  const shutdown = (exit: HostExit): Promise<void> => {
    stopping ??= (async () => {
      await stopServices(services, log);
      await release(exit);
      log(`host ${id} stopped (${exit})`);
      resolveStopped(exit);
    })();
    return stopping;
  };

  log(`host ${id} (pid ${process.pid}) runs up to ${concurrency} tasks from ${layout.root}`);
  try {
    await startServices(services, log);
  } catch (error) {
    // startServices stopped the ones it started.
    await release('stopped');
    throw error;
  }
  return {
    id,
    layout,
    concurrency,
    stopped,
    stop: () => shutdown('stopped'),
    killTasks: () => runner.processes.killAll(),
    drain() {
      if (!idleExit.draining && stopping === undefined) {
        log(`host ${id} finishes its ${claimLoop.runningIds.length} running task(s), claims no more, then stops`);
        idleExit.drain();
      }
      return stopped.then(() => {});
    },
    metricsEndpoint: metrics.endpoint,
  };
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
