import { hasProcFileSystem, readProcessStat } from './proc-reader.js';
import { ProcessTable } from './process-table.js';
import { ReapedChildrenLedger } from './reaped-children-ledger.js';
import { type ResourceUsage, unmeasuredUsage } from './resource-usage.js';
import { openTaskCgroups, type TaskCgroup, type TaskCgroups } from './task-cgroups.js';
import { TaskUsage } from './task-usage.js';

/** Settings of {@link createTaskSampler}. */
export interface TaskSamplerOptions {
  /**
   * `auto` (default): give each task a cgroup where this process may create one, for exact CPU
   * time and a complete list of processes; `off`: read /proc only.
   */
  readonly cgroups?: 'auto' | 'off';
  /** Names this sampler's cgroup folder (e.g. the host id), so two hosts never share one. */
  readonly name?: string;
  /** Time between samples of running tasks, in ms (default 1000). 0: only on request. */
  readonly intervalMs?: number;
  /** Extra samples this long after a task starts, so short tasks get figures (default 100, 400). */
  readonly earlySamplesMs?: readonly number[];
  readonly now?: () => number;
}

/**
 * Measures the process trees of running tasks: CPU time, memory, I/O and processes, sampled
 * at an interval, with the counters of exited processes kept (see `TaskUsage`). Tasks are
 * named by a key (the task id).
 */
export interface TaskSampler {
  /** How tasks are measured: `cgroup+proc`, `proc`, or `none` where there is no /proc. */
  readonly method: string;
  /** Why tasks get no cgroup, when they do not. */
  readonly cgroupsUnavailable: string | null;
  /**
   * Runs `spawn`, which must synchronously start the first process of task `key`, so that
   * process is measured from its first instruction (it is born in the task's cgroup).
   */
  spawnScope<T>(key: string, spawn: () => T): T;
  /** Starts measuring task `key`, whose first process is `pid`, started at `startedAt`. */
  track(key: string, pid: number, startedAt: number): void;
  /** The figures of a tracked task as of its last sample; undefined when it is not tracked. */
  usage(key: string): ResourceUsage | undefined;
  /** Samples every tracked task now. */
  sampleAll(): void;
  /**
   * Takes the last sample of task `key` and stops measuring it. Call it once the task's first
   * process has been waited for. A task that was never tracked gets figures marked missing.
   */
  finish(key: string): ResourceUsage;
  /** Keys of the tasks being measured. */
  readonly tracked: readonly string[];
  /** Stops sampling and removes the cgroups that are empty. */
  close(): void;
}

/** Creates a {@link TaskSampler} for this platform. */
export function createTaskSampler(options: TaskSamplerOptions = {}): TaskSampler {
  if (!hasProcFileSystem()) return createUnmeasuredSampler(process.platform);
  return new LinuxTaskSampler(options);
}

/** The sampler of a platform without /proc: it measures nothing and says so for every figure. */
export function createUnmeasuredSampler(platform: string): TaskSampler {
  const reason = `not measured on ${platform}: Claudine reads process figures from /proc, which only Linux has`;
  return {
    method: 'none',
    cgroupsUnavailable: `cgroups exist only on Linux`,
    spawnScope: (_key, spawn) => spawn(),
    track() {},
    usage: () => unmeasuredUsage(reason),
    sampleAll() {},
    finish: () => unmeasuredUsage(reason),
    tracked: [],
    close() {},
  };
}

interface Tracked {
  readonly usage: TaskUsage;
  readonly timers: NodeJS.Timeout[];
}

class LinuxTaskSampler implements TaskSampler {
  readonly method: string;
  readonly cgroupsUnavailable: string | null;
  readonly #cgroups: TaskCgroups | undefined;
  readonly #table = new ProcessTable();
  readonly #ledger = new ReapedChildrenLedger();
  readonly #tasks = new Map<string, Tracked>();
  readonly #pendingCgroups = new Map<string, TaskCgroup>();
  readonly #leftoverCgroups = new Set<TaskCgroup>();
  readonly #intervalMs: number;
  readonly #earlySamplesMs: readonly number[];
  readonly #now: () => number;
  #ticker: NodeJS.Timeout | undefined;
  #inScope: string | undefined;
  #closed = false;

  constructor(options: TaskSamplerOptions) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#earlySamplesMs = options.earlySamplesMs ?? [100, 400];
    this.#now = options.now ?? Date.now;
    if (options.cgroups === 'off') {
      this.cgroupsUnavailable = 'cgroups are turned off (metrics.cgroups)';
    } else {
      const opened = openTaskCgroups({ name: options.name ?? `${process.pid}` });
      this.#cgroups = opened.ok ? opened.cgroups : undefined;
      this.cgroupsUnavailable = opened.ok ? null : opened.reason;
    }
    this.method = this.#cgroups === undefined ? 'proc' : 'cgroup+proc';
  }

  get tracked(): readonly string[] {
    return [...this.#tasks.keys()];
  }

  spawnScope<T>(key: string, spawn: () => T): T {
    const cgroup = this.#closed ? undefined : this.#cgroups?.create(safeName(key));
    if (cgroup === undefined) return spawn();
    this.#pendingCgroups.set(key, cgroup);
    this.#inScope = key;
    let entered = false;
    try {
      return cgroup.runInside(() => {
        entered = true;
        return spawn();
      });
    } catch (error) {
      if (entered) throw error;
      // Moving into the cgroup failed before anything started: spawn plainly, measure via /proc.
      this.#inScope = undefined;
      this.#pendingCgroups.delete(key);
      cgroup.remove();
      return spawn();
    } finally {
      this.#inScope = undefined;
      const unused = this.#pendingCgroups.get(key);
      if (unused !== undefined) {
        // Nothing started inside it (the spawn failed, or reported its process later).
        this.#pendingCgroups.delete(key);
        unused.remove();
      }
      // Sampled only now, so reading /proc is not charged to the task's cgroup.
      if (this.#tasks.has(key)) this.#sampleOne(key);
    }
  }

  track(key: string, pid: number, startedAt: number): void {
    if (this.#closed || this.#tasks.has(key)) return;
    const cgroup = this.#pendingCgroups.get(key);
    this.#pendingCgroups.delete(key);
    const usage = new TaskUsage({ pid, startTime: readProcessStat(pid)?.startTime ?? null }, startedAt, cgroup);
    if (cgroup === undefined) this.#table.track(key, pid);
    const timers = this.#earlySamplesMs.map((delay) => unref(setTimeout(() => this.sampleAll(), delay)));
    this.#tasks.set(key, { usage, timers });
    if (this.#intervalMs > 0) this.#ticker ??= unref(setInterval(() => this.sampleAll(), this.#intervalMs));
    if (this.#inScope !== key) this.#sampleOne(key);
  }

  usage(key: string): ResourceUsage | undefined {
    return this.#tasks.get(key)?.usage.usage(this.#methodOf(key));
  }

  sampleAll(): void {
    if (this.#closed) return;
    const needsTable = [...this.#tasks.values()].some((task) => task.usage.cgroup === undefined);
    const members = needsTable ? this.#table.scan() : new Map<string, readonly number[]>();
    const now = this.#now();
    for (const [key, task] of this.#tasks) task.usage.sample(this.#pidsOf(task.usage, members.get(key)), now);
    // Same synchronous turn as the samples: the leaders found reaped are exactly those whose
    // totals moved into the host's counters since the last settle.
    this.#ledger.settle([...this.#tasks.values()].map((task) => task.usage).filter((usage) => usage.awaitsLeaderTotals));
    for (const cgroup of this.#leftoverCgroups) if (cgroup.remove()) this.#leftoverCgroups.delete(cgroup);
  }

  finish(key: string): ResourceUsage {
    const task = this.#tasks.get(key);
    if (task === undefined) return unmeasuredUsage('no process of this attempt was measured (it did not start)');
    this.sampleAll();
    const usage = task.usage.usage(this.#methodOf(key));
    for (const timer of task.timers) clearTimeout(timer);
    this.#tasks.delete(key);
    this.#table.untrack(key);
    const cgroup = task.usage.cgroup;
    // A process that left the task's session may outlive it; its cgroup goes once it is empty.
    if (cgroup !== undefined && !cgroup.remove()) this.#leftoverCgroups.add(cgroup);
    if (this.#tasks.size === 0 && this.#ticker !== undefined) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
    return usage;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    for (const task of this.#tasks.values()) for (const timer of task.timers) clearTimeout(timer);
    for (const task of this.#tasks.values()) task.usage.cgroup?.remove();
    for (const cgroup of this.#leftoverCgroups) cgroup.remove();
    this.#cgroups?.close();
  }

  #sampleOne(key: string): void {
    const task = this.#tasks.get(key);
    if (task === undefined) return;
    // No ledger settle here: that needs every task sampled in the same turn (see sampleAll).
    const members = task.usage.cgroup === undefined ? this.#table.scan().get(key) : undefined;
    task.usage.sample(this.#pidsOf(task.usage, members), this.#now());
  }

  // A cgroup lists only live processes, not a leader that has exited and is not yet reaped:
  // the leader is always looked at (TaskUsage skips it once its pid names another process).
  #pidsOf(usage: TaskUsage, tableMembers: readonly number[] | undefined): readonly number[] {
    if (usage.cgroup === undefined) return tableMembers ?? [];
    const pids = usage.cgroup.processIds() ?? [];
    return pids.includes(usage.leader.pid) ? pids : [usage.leader.pid, ...pids];
  }

  #methodOf(key: string): string {
    return this.#tasks.get(key)?.usage.cgroup === undefined ? 'proc' : 'cgroup+proc';
  }
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}

function safeName(key: string): string {
  return key.replaceAll(/[^A-Za-z0-9_.-]/g, '_');
}
