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
   * Creates the cgroup of task `key`, for its first process, which whoever starts it puts there
   * before it runs (the runner does, given this as its `RunCgroups`); returns the cgroup's
   * directory, or undefined when tasks get no cgroup. {@link TaskSampler.track} then measures
   * the task through it, and {@link TaskSampler.finish} gives it up, even when no process of the
   * task ever started.
   */
  reserveCgroup(key: string): string | undefined;
  /**
   * Starts measuring task `key`, whose first process is `pid`, started at `startedAt`, and which
   * this process (the host) reaps. `leaderStartTime` (clock ticks since boot) identifies that
   * process when whoever started it read it: the process may already be gone when the sampler
   * looks.
   */
  track(key: string, pid: number, startedAt: number, leaderStartTime?: number): void;
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
    track() {},
    usage: () => unmeasuredUsage(reason),
    sampleAll() {},
    reserveCgroup() {
      return undefined;
    },
    finish: () => unmeasuredUsage(reason),
    tracked: [],
    close() {},
  };
}

interface Tracked {
  /** When tracking began: early samples are due at these offsets from it. */
  readonly trackedAt: number;
  readonly usage: TaskUsage;
}

class LinuxTaskSampler implements TaskSampler {
  readonly method: string;
  readonly cgroupsUnavailable: string | null;
  readonly #cgroups: TaskCgroups | undefined;
  readonly #table = new ProcessTable();
  readonly #ledger: ReapedChildrenLedger;
  readonly #tasks = new Map<string, Tracked>();
  readonly #pendingCgroups = new Map<string, TaskCgroup>();
  readonly #leftoverCgroups = new Set<TaskCgroup>();
  readonly #intervalMs: number;
  readonly #earlySamplesMs: readonly number[];
  readonly #now: () => number;
  #ticker: NodeJS.Timeout | undefined;
  // One timer for the early samples of every task: many tasks starting together share samples
  // instead of each scanning /proc on its own.
  #early: { readonly at: number; readonly timer: NodeJS.Timeout } | undefined;
  #closed = false;

  constructor(options: TaskSamplerOptions) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#earlySamplesMs = options.earlySamplesMs ?? [100, 400];
    this.#ledger = new ReapedChildrenLedger();
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

  reserveCgroup(key: string): string | undefined {
    const cgroup = this.#closed ? undefined : this.#cgroups?.create();
    if (cgroup === undefined) return undefined;
    this.#releaseReservation(key);
    this.#pendingCgroups.set(key, cgroup);
    return cgroup.path;
  }

  // Gives up a reserved cgroup that no tracked process took.
  #releaseReservation(key: string): void {
    const cgroup = this.#pendingCgroups.get(key);
    if (cgroup === undefined) return;
    this.#pendingCgroups.delete(key);
    // A process that was put there without being tracked keeps it until it is gone.
    if (!cgroup.remove()) this.#leftoverCgroups.add(cgroup);
  }

  track(key: string, pid: number, startedAt: number, leaderStartTime?: number): void {
    if (this.#closed || this.#tasks.has(key)) return;
    const cgroup = this.#pendingCgroups.get(key);
    this.#pendingCgroups.delete(key);
    const usage = new TaskUsage({ pid, startTime: leaderStartTime ?? readProcessStat(pid)?.startTime ?? null }, startedAt, cgroup);
    if (cgroup === undefined) this.#table.track(key, pid);
    this.#tasks.set(key, { trackedAt: this.#now(), usage });
    this.#scheduleEarlySample();
    if (this.#intervalMs > 0) this.#ticker ??= unref(setInterval(() => this.sampleAll(), this.#intervalMs));
    this.#sampleOne(key);
  }

  // Arms the shared early timer for the soonest early sample any task still needs.
  #scheduleEarlySample(): void {
    if (this.#closed) return;
    const now = this.#now();
    let due = Number.POSITIVE_INFINITY;
    for (const task of this.#tasks.values()) {
      for (const delay of this.#earlySamplesMs) {
        const at = task.trackedAt + delay;
        if (at > now && at < due) {
          due = at;
          break;
        }
      }
    }
    if (due === Number.POSITIVE_INFINITY) return;
    // A pending timer within 30 ms of the due time serves it as well.
    if (this.#early !== undefined && this.#early.at <= due + 30) return;
    if (this.#early !== undefined) clearTimeout(this.#early.timer);
    this.#early = {
      at: due,
      timer: unref(
        setTimeout(() => {
          this.#early = undefined;
          this.sampleAll();
          this.#scheduleEarlySample();
        }, due - now),
      ),
    };
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
    this.#settleLedger();
    for (const cgroup of this.#leftoverCgroups) if (cgroup.remove()) this.#leftoverCgroups.delete(cgroup);
  }

  // Gives the growth of the reaped-children counters to the leaders found reaped, by the
  // samples or checks of this same synchronous turn, since the last settle.
  #settleLedger(): void {
    this.#ledger.settle([...this.#tasks.values()].map((task) => task.usage).filter((usage) => usage.awaitsLeaderTotals));
  }

  finish(key: string): ResourceUsage {
    const task = this.#tasks.get(key);
    if (task === undefined) {
      this.#releaseReservation(key);
      return unmeasuredUsage('no process of this attempt was measured (it did not start)');
    }
    const cgroup = task.usage.cgroup;
    let emptyGroup = false;
    // This task's last sample, and of every task only whether its leader is still there:
    // the leaders reaped since the last settle are exactly the ones gone now (Node reaps
    // children only between turns), and the growth of the counters is theirs.
    if (cgroup === undefined) task.usage.sample(this.#table.known().get(key) ?? [], this.#now());
    else {
      const inGroup = cgroup.processIds();
      emptyGroup = inGroup !== undefined && inGroup.length === 0;
      task.usage.sample(withLeader(task.usage, inGroup ?? []), this.#now());
    }
    for (const { usage } of this.#tasks.values()) usage.checkLeader();
    this.#settleLedger();
    const usage = task.usage.usage(this.#methodOf(key));
    this.#tasks.delete(key);
    this.#table.untrack(key);
    // A process that left the task's session may outlive it; its cgroup goes once it is empty.
    if (cgroup !== undefined && !cgroup.remove(emptyGroup)) this.#leftoverCgroups.add(cgroup);
    if (this.#tasks.size === 0 && this.#ticker !== undefined) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
    if (this.#tasks.size === 0 && this.#early !== undefined) {
      clearTimeout(this.#early.timer);
      this.#early = undefined;
    }
    return usage;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    if (this.#early !== undefined) clearTimeout(this.#early.timer);
    for (const task of this.#tasks.values()) task.usage.cgroup?.remove();
    for (const cgroup of this.#leftoverCgroups) cgroup.remove();
    this.#cgroups?.close();
  }

  #sampleOne(key: string): void {
    const task = this.#tasks.get(key);
    if (task === undefined) return;
    // No ledger settle here: that needs every task's leader looked at in the same turn. At
    // its start a task is its leader: reading it alone spares a listing of /proc, or of its
    // cgroup, per task (the next sample finds what it starts).
    task.usage.sample([task.usage.leader.pid], this.#now());
  }

  #pidsOf(usage: TaskUsage, tableMembers: readonly number[] | undefined): readonly number[] {
    if (usage.cgroup === undefined) return tableMembers ?? [];
    return withLeader(usage, usage.cgroup.processIds() ?? []);
  }

  #methodOf(key: string): string {
    return this.#tasks.get(key)?.usage.cgroup === undefined ? 'proc' : 'cgroup+proc';
  }
}

// A cgroup lists only live processes, not a leader that has exited and is not yet reaped: the
// leader is always looked at (TaskUsage skips it once its pid names another process).
function withLeader(usage: TaskUsage, inGroup: readonly number[]): readonly number[] {
  return inGroup.includes(usage.leader.pid) ? inGroup : [usage.leader.pid, ...inGroup];
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
