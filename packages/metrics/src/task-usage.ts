import { addCpu, addIo, cpuTotal, maxCpu, maxIo, ZERO_CPU } from './counters.js';
import {
  type CpuTicks,
  type IoCounters,
  MILLISECONDS_PER_TICK,
  readProcessIo,
  readProcessMemory,
  readProcessStat,
  ZERO_IO,
} from './proc-reader.js';
import type { ResourceUsage } from './resource-usage.js';
import type { TaskCgroup } from './task-cgroups.js';

/** The first process of a task, as spawned. */
export interface TaskLeader {
  readonly pid: number;
  /** Start time in clock ticks since boot (from /proc), to tell it from a later process with its pid. */
  readonly startTime: number | null;
}

/** What a leader consumed over its whole life, once its parent (the host) has reaped it. */
export interface ReapedTotals {
  readonly cpu: CpuTicks;
  readonly io: IoCounters;
}

// Every how many samples the processes' memory high-water marks are read.
const PEAK_EVERY = 5;

interface Member {
  readonly pid: number;
  readonly startTime: number;
  readonly parentPid: number;
  readonly depth: number;
  /** Own CPU plus that of the children it waited for. */
  readonly cpu: CpuTicks;
  /** Own I/O plus that of the children it waited for. */
  readonly io: IoCounters;
}

/**
 * Accumulates what one task's process tree consumes, sample after sample.
 *
 * The kernel moves the CPU time and I/O of a process that exits into its parent's counters when
 * the parent waits for it. So the tree's total is the sum, over live processes, of their own
 * counters plus their reaped children's, and nothing is lost when a child exits between two
 * samples. Three cases need more:
 * - the leader, whose parent is the host: its final totals come from the host's own reaped
 *   children counters ({@link TaskUsage.attributeLeader});
 * - a process reaped by something outside the tree (an orphan adopted by init): its last sample
 *   is kept;
 * - with a cgroup, CPU time comes from the cgroup, which counts every process exactly.
 * Processes are read parents first: a child reaped between reading its parent and reading it
 * is missed for one sample (the totals only grow, so that never shows), never counted twice.
 */
export class TaskUsage {
  readonly leader: TaskLeader;
  readonly startedAt: number;
  readonly cgroup: TaskCgroup | undefined;
  #members = new Map<number, Member>();
  #retainedCpu: CpuTicks = ZERO_CPU;
  #retainedIo: IoCounters = ZERO_IO;
  #leaderLast: ReapedTotals = { cpu: ZERO_CPU, io: ZERO_IO };
  #leaderFinal: ReapedTotals | undefined;
  #leaderGone = false;
  #cpu: CpuTicks = ZERO_CPU;
  #io: IoCounters = ZERO_IO;
  #ioSeen = false;
  #memoryCurrent = 0;
  #memoryPeak = 0;
  #memoryIntegral = 0;
  #lastSampleAt: number;
  #processesCurrent = 0;
  #processesPeak = 0;
  readonly #seen = new Set<string>();
  #samples = 0;

  constructor(leader: TaskLeader, startedAt: number, cgroup?: TaskCgroup) {
    this.leader = leader;
    this.startedAt = startedAt;
    this.cgroup = cgroup;
    this.#lastSampleAt = startedAt;
    // The leader existed even if it is gone before the first sample (a very short task).
    if (leader.startTime !== null) this.#seen.add(`${leader.pid}:${leader.startTime}`);
  }

  /** True once the leader has been reaped and its final totals are still to be attributed. */
  get awaitsLeaderTotals(): boolean {
    return this.#leaderGone && this.#leaderFinal === undefined;
  }

  /** The leader's totals at its last sample: a lower bound of its final totals. */
  get leaderLowerBound(): ReapedTotals {
    return this.#leaderLast;
  }

  /**
   * Looks whether the leader is still there (running, or exited and not yet reaped), without
   * sampling the tree: once it is gone it has been reaped, and its final totals are in the
   * host's reaped-children counters.
   */
  checkLeader(): void {
    if (this.#leaderGone) return;
    const stat = readProcessStat(this.leader.pid);
    if (stat === undefined || (this.leader.startTime !== null && stat.startTime !== this.leader.startTime)) this.#leaderGone = true;
  }

  /** Sets the leader's final totals, taken from the host's reaped children counters. */
  attributeLeader(totals: ReapedTotals): void {
    // Never below what was already seen: a reap the ledger missed must not shrink the totals.
    this.#leaderFinal = { cpu: maxCpu(totals.cpu, this.#leaderLast.cpu), io: maxIo(totals.io, this.#leaderLast.io) };
    this.#updateTotals(this.#liveTotals());
  }

  /** Reads every process in `pids` (the task's processes now) and updates the totals. */
  sample(pids: readonly number[], now: number): void {
    // A process's high-water mark only grows, so reading it now and then (it costs a third
    // file per process) still catches a spike of any process that outlives the next reading.
    const readPeaks = this.#samples < 3 || this.#samples % PEAK_EVERY === 0;
    const previous = this.#members;
    const ordered = [...pids].sort((left, right) => depthOf(previous, left) - depthOf(previous, right) || left - right);
    const present = new Map<number, Member>();
    let memory = 0;
    let peakOfOne = 0;
    let processes = 0;
    for (const pid of ordered) {
      const stat = readProcessStat(pid);
      if (stat === undefined) continue;
      if (pid === this.leader.pid && this.leader.startTime !== null && stat.startTime !== this.leader.startTime) continue;
      const io = readProcessIo(pid);
      if (io !== undefined) this.#ioSeen = true;
      const parent = present.get(stat.parentPid);
      present.set(pid, {
        pid,
        startTime: stat.startTime,
        parentPid: stat.parentPid,
        depth: parent === undefined ? 0 : parent.depth + 1,
        cpu: addCpu(stat.own, stat.reapedChildren),
        io: io ?? previous.get(pid)?.io ?? ZERO_IO,
      });
      this.#seen.add(`${pid}:${stat.startTime}`);
      if (stat.state === 'Z' || stat.state === 'X') continue;
      processes += 1;
      memory += stat.residentBytes;
      if (readPeaks) peakOfOne = Math.max(peakOfOne, readProcessMemory(pid)?.peakResidentBytes ?? 0);
    }
    for (const gone of previous.values()) {
      const now = present.get(gone.pid);
      if (now !== undefined && now.startTime === gone.startTime) continue;
      this.#forget(gone, present, previous);
    }
    const leader = present.get(this.leader.pid);
    if (leader !== undefined) this.#leaderLast = { cpu: leader.cpu, io: leader.io };
    this.#members = present;
    this.#memoryIntegral += memory * Math.max(0, now - this.#lastSampleAt);
    this.#lastSampleAt = now;
    this.#memoryCurrent = memory;
    // A process's own high-water mark catches a peak that rose and fell between two samples.
    this.#memoryPeak = Math.max(this.#memoryPeak, memory, peakOfOne);
    this.#processesCurrent = processes;
    this.#processesPeak = Math.max(this.#processesPeak, processes);
    this.#samples += 1;
    this.#updateTotals(this.#liveTotals());
  }

  /** The figures as of the last sample. */
  usage(method: string): ResourceUsage {
    const cgroupCpu = this.cgroup?.cpu();
    const cpuMs =
      cgroupCpu === undefined
        ? { user: this.#cpu.user * MILLISECONDS_PER_TICK, system: this.#cpu.system * MILLISECONDS_PER_TICK }
        : { user: cgroupCpu.userMicroseconds / 1000, system: cgroupCpu.systemMicroseconds / 1000 };
    const elapsed = this.#lastSampleAt - this.startedAt;
    const io = this.#ioSeen ? this.#io : undefined;
    return {
      cpuUserMs: round(cpuMs.user),
      cpuSystemMs: round(cpuMs.system),
      memoryCurrentBytes: this.#memoryCurrent,
      memoryPeakBytes: this.#memoryPeak,
      memoryAverageBytes: elapsed > 0 ? Math.round(this.#memoryIntegral / elapsed) : this.#memoryCurrent,
      readBytes: io?.readBytes ?? null,
      writeBytes: io?.writeBytes ?? null,
      readOps: io?.readOps ?? null,
      writeOps: io?.writeOps ?? null,
      diskReadBytes: io?.diskReadBytes ?? null,
      diskWriteBytes: io?.diskWriteBytes ?? null,
      processesCurrent: this.#processesCurrent,
      processesPeak: this.#processesPeak,
      processesSeen: this.#seen.size,
      samples: this.#samples,
      method,
      missing: io === undefined ? [{ figure: 'io', reason: '/proc/<pid>/io could not be read (another user owns the processes?)' }] : [],
    };
  }

  // A process is gone: decide whether its counters already moved into a member's.
  #forget(gone: Member, present: ReadonlyMap<number, Member>, previous: ReadonlyMap<number, Member>): void {
    if (gone.pid === this.leader.pid) {
      // Reaped by the host: its final totals come from attributeLeader.
      this.#leaderGone = true;
      return;
    }
    // Its parent waited for it (the usual case): its counters are in the parent's now. A parent
    // that went in the same interval is assumed to have waited for it too.
    if (present.has(gone.parentPid) || previous.has(gone.parentPid)) return;
    // Adopted by a process outside the tree (init) after its parent died: its counters left
    // with it, so keep what the last sample saw.
    this.#retainedCpu = addCpu(this.#retainedCpu, gone.cpu);
    this.#retainedIo = addIo(this.#retainedIo, gone.io);
  }

  #liveTotals(): ReapedTotals {
    let cpu = this.#retainedCpu;
    let io = this.#retainedIo;
    for (const member of this.#members.values()) {
      cpu = addCpu(cpu, member.cpu);
      io = addIo(io, member.io);
    }
    if (this.#leaderGone) {
      const leader = this.#leaderFinal ?? this.#leaderLast;
      cpu = addCpu(cpu, leader.cpu);
      io = addIo(io, leader.io);
    }
    return { cpu, io };
  }

  #updateTotals(totals: ReapedTotals): void {
    this.#cpu = maxCpu(this.#cpu, totals.cpu);
    this.#io = maxIo(this.#io, totals.io);
  }
}

function depthOf(members: ReadonlyMap<number, Member>, pid: number): number {
  return members.get(pid)?.depth ?? Number.MAX_SAFE_INTEGER;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Total CPU ticks of a set of totals (for apportioning). */
export function totalsWeight(totals: ReapedTotals): number {
  return cpuTotal(totals.cpu) + totals.io.readOps + totals.io.writeOps;
}
