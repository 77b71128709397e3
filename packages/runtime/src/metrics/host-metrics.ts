import type { ClaimBudget, ProcessRunner, RunHandle, RunOptions, RunResult, Task, TaskMetrics } from '@claudine/core';
import { createSystemUsageMeter, createTaskSampler, renderPrometheus, type TaskSampler } from '@claudine/metrics';
import type { SqliteMetricsStore } from '@claudine/store-sqlite';
import { ensureAccessToken, readAccessToken } from '../config/access-token.js';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';
import { parseListenAddress } from '../config/metrics-config.js';
import { deferredRunHandle } from '../host/deferred-run-handle.js';
import {
  BUDGET_WAIT_PREFIX,
  BUDGETED_AGENTS,
  type BudgetStatus,
  budgetStatus,
  budgetWaitDetail,
  dailyClaimBudget,
  startOfDay,
} from './budget.js';
import { type MetricsEndpoint, serveMetrics } from './metrics-endpoint.js';
import { buildSnapshot, SNAPSHOT_WINDOW_MS } from './system-snapshot.js';
import { taskMetricsOf } from './task-metrics.js';

/** What {@link createHostMetrics} needs from the host. */
export interface HostMetricsOptions {
  readonly config: Config;
  /** The data directory, whose access token `/metrics` requires. */
  readonly layout: DataLayout;
  /** Where metrics go: the host's task store's connection (`SqliteTaskStore.metricsStore()`). */
  readonly store: SqliteMetricsStore;
  readonly hostId: string;
  readonly log: (line: string) => void;
  /** Wakes the scheduler (when the daily budget frees up). */
  readonly poke: () => void;
}

// The process start time in clock ticks, from the runner's identity (`<boot id>:<ticks>`).
function startTicks(startTime: string | null): number | undefined {
  const ticks = Number(startTime?.slice(startTime.lastIndexOf(':') + 1));
  return Number.isInteger(ticks) && ticks > 0 ? ticks : undefined;
}

/** The host's metrics: measures runs, keeps history, enforces budgets, serves `/metrics`. */
export interface HostMetrics {
  /** Wraps a runner so each run is measured and its budget applied. */
  measure(runner: ProcessRunner): ProcessRunner;
  /** The daily budget claims must respect now (for the scheduler), if one is set. */
  claimBudget(now: number): ClaimBudget | undefined;
  /** Starts sampling, snapshots and (when configured) the `/metrics` listener. */
  start(): Promise<void>;
  /** The `/metrics` address, while it listens. */
  readonly endpoint: MetricsEndpoint['address'] | undefined;
  /**
   * The sampler (how tasks are measured here). Its `reserveCgroup` gives each run its cgroup:
   * the host hands it to the runner (`ProcessRunnerOptions.cgroups`), which puts the agent there.
   */
  readonly sampler: TaskSampler;
  /** Stops everything; call after the scheduler has stopped and before the store is closed. */
  stop(): Promise<void>;
}

interface Attempt {
  readonly task: Task;
  readonly startedAt: number;
}

// claude's result subtype when it stopped at --max-budget-usd.
const CLAUDE_BUDGET_STOP = 'error_max_budget_usd';

/**
 * Creates the host's metrics. Each run is sampled (see @claudine/metrics) and its figures are
 * written to the store every sample while it runs and once more, final, when it ends; the whole
 * system is snapshotted every `metrics.snapshotInterval` and history older than
 * `metrics.retention` is pruned.
 */
export function createHostMetrics(options: HostMetricsOptions): HostMetrics {
  const { config, log } = options;
  const { store } = options;
  const sampler = createTaskSampler({ cgroups: config.metrics.cgroups, name: options.hostId, intervalMs: 0 });
  const snapshotMeter = createSystemUsageMeter();
  const scrapeMeter = createSystemUsageMeter();
  const attempts = new Map<string, Attempt>();
  const timers: NodeJS.Timeout[] = [];
  let endpoint: MetricsEndpoint | undefined;
  let budget: BudgetStatus | undefined;
  let budgetCheckedAt = 0;
  let budgetTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const report = (what: string) => (error: unknown) => log(`metrics: could not ${what}: ${(error as Error).message}`);

  function liveMetrics(now: number): TaskMetrics[] {
    const live: TaskMetrics[] = [];
    for (const [id, attempt] of attempts) {
      const usage = sampler.usage(id);
      if (usage !== undefined) live.push(taskMetricsOf(attempt.task, { startedAt: attempt.startedAt, now, live: true }, usage, null));
    }
    return live;
  }

  function sampleTick(): void {
    if (stopped || attempts.size === 0) return;
    sampler.sampleAll();
    const live = liveMetrics(Date.now());
    if (live.length > 0) store.saveTaskMetrics(live).catch(report('save live task metrics'));
  }

  async function snapshot(): Promise<void> {
    const now = Date.now();
    const statistics = await store.taskStatistics(now - SNAPSHOT_WINDOW_MS);
    const costToday = await store.costSince(startOfDay(now));
    await store.saveSnapshot(buildSnapshot(now, statistics, costToday, snapshotMeter.read()));
    await store.pruneSnapshots(now - config.metrics.retention);
  }

  async function prometheus(): Promise<string> {
    const now = Date.now();
    const statistics = await store.taskStatistics(now - SNAPSHOT_WINDOW_MS);
    const costToday = await store.costSince(startOfDay(now));
    return renderPrometheus({
      snapshot: buildSnapshot(now, statistics, costToday, scrapeMeter.read()),
      tasks: liveMetrics(now),
      dailyBudgetUsd: config.budget.daily ?? null,
    });
  }

  // Puts "waiting for the daily budget" on queued claude tasks while it is spent, takes it off
  // when it is not, and wakes the scheduler at midnight when spending starts again from zero.
  async function refreshBudget(): Promise<void> {
    if (config.budget.daily === undefined || stopped) return;
    const now = Date.now();
    budgetCheckedAt = now;
    const status = budgetStatus(config, await store.costSince(startOfDay(now)), now);
    const wasExhausted = budget?.exhausted === true;
    const firstCheck = budget === undefined;
    budget = status;
    if (status.exhausted) {
      const marked = await store.markWaiting(BUDGETED_AGENTS, BUDGET_WAIT_PREFIX, budgetWaitDetail(status), now);
      if (!wasExhausted) log(`daily budget spent ($${status.spentTodayUsd.toFixed(2)} of $${status.dailyUsd}): claude tasks wait`);
      if (marked > 0 || !wasExhausted) options.poke();
      if (budgetTimer === undefined) {
        budgetTimer = setTimeout(
          () => {
            budgetTimer = undefined;
            void refreshBudget().catch(report('check the budget'));
          },
          Math.max(1000, status.resetsAt - now + 1000),
        );
        budgetTimer.unref();
      }
    } else if (wasExhausted || firstCheck) {
      // Also on the first check: a host that stopped while the budget was spent left the text.
      if ((await store.markWaiting(BUDGETED_AGENTS, BUDGET_WAIT_PREFIX, null, now)) > 0 || wasExhausted) options.poke();
    }
  }

  // The budget this attempt may spend: what is left of its own (over earlier attempts) and of
  // the day's. Undefined when neither applies.
  async function attemptBudget(task: Task): Promise<{ start: Task } | { refuse: RunResult }> {
    const own = task.agentOptions.maxBudgetUsd;
    const daily = config.budget.daily;
    let remaining = Number.POSITIVE_INFINITY;
    if (own !== undefined) {
      const spent = await store.taskCost(task.id);
      if (spent >= own) {
        return refusal(`its budget of $${own} is spent ($${spent.toFixed(4)} over earlier attempts)`, false);
      }
      remaining = own - spent;
    }
    if (daily !== undefined) {
      const spentToday = await store.costSince(startOfDay(Date.now()));
      if (spentToday >= daily) return refusal(`the daily budget of $${daily} is spent ($${spentToday.toFixed(4)} today)`, true);
      remaining = Math.min(remaining, daily - spentToday);
    }
    const maxBudgetUsd = Math.max(0.0001, Math.floor(remaining * 10_000) / 10_000);
    return { start: { ...task, agentOptions: { ...task.agentOptions, maxBudgetUsd } } };
  }

  async function settle(task: Task, startedAt: number, result: RunResult): Promise<RunResult> {
    const now = Date.now();
    const usage = sampler.finish(task.id);
    attempts.delete(task.id);
    // Not waited for: the save joins the turn's batched transaction, which the run's end joins
    // too, after it (so a finished task's figures are there when its end is), in one commit.
    store
      .saveTaskMetrics([taskMetricsOf(task, { startedAt, now, live: false }, usage, result.report)])
      .catch(report(`save the metrics of task ${task.id}`));
    const adjusted = await enforceBudget(task, result).catch(() => result);
    if (config.budget.daily !== undefined) void refreshBudget().catch(report('check the budget'));
    return adjusted;
  }

  // claude stops itself at --max-budget-usd; say so plainly, and never retry a task whose
  // budget is spent (a transient failure would otherwise start it again).
  async function enforceBudget(task: Task, result: RunResult): Promise<RunResult> {
    const own = task.agentOptions.maxBudgetUsd;
    if (task.agent !== 'claude' || own === undefined || result.failure === null) return result;
    const spent = await store.taskCost(task.id);
    const stoppedByAgent = result.report?.errorKind === CLAUDE_BUDGET_STOP;
    if (!stoppedByAgent && !(result.transient && spent >= own)) return result;
    return {
      ...result,
      transient: false,
      failure: { reason: 'budget_exceeded', detail: `stopped at its budget of $${own}: $${spent.toFixed(4)} spent` },
    };
  }

  function launch(inner: ProcessRunner, task: Task, runOptions: RunOptions): RunHandle {
    const startedAt = Date.now();
    attempts.set(task.id, { task, startedAt });
    // The runner puts the agent in the cgroup the sampler reserved for the task (see `sampler`).
    const handle = inner.start(task, {
      onEvent(event) {
        if (event.kind === 'started') sampler.track(task.id, event.process.pid, event.at, startTicks(event.process.startTime));
        runOptions.onEvent?.(event);
      },
    });
    return {
      done: handle.done.then((result) => settle(task, startedAt, result)),
      terminate: (reason, detail) => handle.terminate(reason, detail),
      processes: () => handle.processes(),
    };
  }

  return {
    measure(inner) {
      return {
        start(task, runOptions = {}) {
          const budgeted = task.agent === 'claude' && (task.agentOptions.maxBudgetUsd !== undefined || config.budget.daily !== undefined);
          if (!budgeted) return launch(inner, task, runOptions);
          return deferredRunHandle(attemptBudget(task), (prepared) => launch(inner, prepared, runOptions), task);
        },
      };
    },

    claimBudget(now) {
      const claim = dailyClaimBudget(config, now);
      if (claim !== undefined && now - budgetCheckedAt >= 1000) void refreshBudget().catch(report('check the budget'));
      return claim;
    },

    async start() {
      timers.push(setInterval(sampleTick, config.metrics.sampleInterval));
      timers.push(setInterval(() => void snapshot().catch(report('take a snapshot')), config.metrics.snapshotInterval));
      for (const timer of timers) timer.unref();
      log(
        `metrics: tasks measured by ${sampler.method}${sampler.cgroupsUnavailable === null ? '' : ` (no cgroups: ${sampler.cgroupsUnavailable})`}, sampled every ${config.metrics.sampleInterval} ms`,
      );
      if (config.metrics.listen !== undefined) {
        const address = parseListenAddress(config.metrics.listen);
        if (address !== undefined) {
          // The same token as MCP over HTTP; read at each scrape, so a rotation applies at once.
          ensureAccessToken(options.layout);
          endpoint = await serveMetrics(address, prometheus, () => readAccessToken(options.layout));
          log(
            `metrics: serving http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${endpoint.address.port}/metrics (with the access token: claudine mcp token)`,
          );
        }
      }
    },

    get endpoint() {
      return endpoint?.address;
    },

    sampler,

    async stop() {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      if (budgetTimer !== undefined) clearTimeout(budgetTimer);
      await endpoint?.close();
      try {
        await snapshot();
      } catch (error) {
        report('take a snapshot')(error);
      }
      // The store is the host's connection: the host closes it.
      sampler.close();
    },
  };
}

function refusal(detail: string, transient: boolean): { refuse: RunResult } {
  return {
    refuse: {
      exitCode: null,
      signal: null,
      report: null,
      failure: { reason: 'budget_exceeded', detail },
      transient,
      outputTruncated: false,
      termination: null,
    },
  };
}
