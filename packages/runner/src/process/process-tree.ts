import type { ProcessIdentity } from '@claudine/core';
import type { ProcessSource, ProcessStatus } from './process-status.js';
import { cgroupProcesses, killCgroup } from './run-cgroups.js';
import type { TreeTermination, TreeTerminationOptions } from './terminate-process-tree.js';

/** What one {@link ProcessTree.signal} call reached. */
export interface SignalReport {
  /** Live processes of the tree when the signal was sent. */
  readonly processes: number;
  /** Of those, how many were outside the root's process group (signalled one by one). */
  readonly outsideGroup: number;
}

/**
 * The processes of one task (or any root process), tracked while it runs: the root, every
 * descendant by parent chain, everything in a process group or session led by a member, every
 * process whose environment carries the tree's marker, and every process in the tree's cgroup
 * when it has one. A process that left the group (`setsid`, double fork) stays a member once
 * seen. See the runner README for the rules.
 */
export interface ProcessTree {
  /** The process the tree grows from; null when only the marker is known (recovery). */
  readonly root: ProcessIdentity | null;
  /** The process group signalled as a whole (the root's own group), or null. */
  readonly groupId: number | null;
  /**
   * Samples the system (unless another tree sampled in the last few ms, or `force`) and returns
   * the members still running, zombies excluded, as they are now. `force: 'turn'` reuses a
   * forced sample taken earlier in the same synchronous turn: enough after an exit reported
   * before that turn began (what the process left had started before it), and many agents
   * reported together cost one listing of the system's processes, not one each.
   */
  refresh(options?: { readonly force?: boolean | 'turn' }): readonly ProcessStatus[];
  /** The members as of the last sample, without sampling (some may have ended since). */
  members(): readonly ProcessStatus[];
  /**
   * Sends `signal` to the root's process group (when that is still safe: the root, or no
   * process at all, holds its pid), samples, then sends it to every live member outside the
   * group, each checked by start time so that a reused pid is never signalled.
   */
  signal(signal: NodeJS.Signals): SignalReport;
  /** SIGTERM now, SIGKILL to everything left after the grace period; see {@link TreeTermination}. */
  terminate(options: TreeTerminationOptions): TreeTermination;
  /** Stops tracking. Idempotent. */
  release(): void;
}

/** A process as the watcher knows it: its status when first seen, its marker once read. */
export interface KnownProcess {
  readonly status: ProcessStatus;
  /** The marker variable's value; undefined until read, null when it has none. */
  marker?: string | null;
}

/** Options of one tracked tree. */
export interface TreeSettings {
  readonly root: ProcessIdentity | null;
  /** Value of the watcher's marker variable that marks the tree's processes (a task id). */
  readonly marker: string | null;
  /** The root leads its own process group and session (it was spawned `detached`). */
  readonly rootLeadsGroup: boolean;
  /** Pids never counted as members: the tracking process and its ancestors. */
  readonly excluded: ReadonlySet<number>;
  /** The tree's own cgroup (a cgroup v2 directory), whose every process is a member; or null. */
  readonly cgroup: string | null;
}

/**
 * The membership logic of a {@link ProcessTree}, fed by a watcher with the processes that
 * appeared and disappeared since its last sample.
 */
export class TrackedTree {
  readonly root: ProcessIdentity | null;
  readonly groupId: number | null;
  readonly #settings: TreeSettings;
  readonly #source: ProcessSource;
  // Start order of the root, when it is known and from this boot: nothing older is a member.
  readonly #rootStart: number | undefined;
  readonly #members = new Map<number, ProcessStatus>();
  // Groups and sessions led by a member, by leader pid, with the leader's start order.
  readonly #leaders = new Map<number, number>();

  constructor(settings: TreeSettings, source: ProcessSource) {
    this.#settings = settings;
    this.#source = source;
    this.root = settings.root;
    this.#rootStart = settings.root?.startTime == null ? undefined : source.startOrder(settings.root.startTime);
    this.groupId = settings.root !== null && settings.rootLeadsGroup ? settings.root.pid : null;
    if (this.groupId !== null && this.#rootStart !== undefined) this.#leaders.set(this.groupId, this.#rootStart);
  }

  /** Processes that appeared: drop leaders whose pid was reused, then adopt new members. */
  consider(added: readonly KnownProcess[], markerOf: (known: KnownProcess) => string | null): void {
    for (const { status } of added) {
      const leaderStart = this.#leaders.get(status.pid);
      // A new process with a leader's pid means the old group and session are gone for good.
      if (leaderStart !== undefined && leaderStart !== status.startOrder) this.#leaders.delete(status.pid);
    }
    let candidates = added.filter(({ status }) => !this.#members.has(status.pid) && this.#mayBelong(status));
    // Parents and children can appear in the same sample in any order: repeat until stable.
    for (let changed = true; changed && candidates.length > 0; ) {
      changed = false;
      const rest: KnownProcess[] = [];
      for (const known of candidates) {
        if (this.#belongs(known, markerOf)) {
          this.#adopt(known.status);
          changed = true;
        } else rest.push(known);
      }
      candidates = rest;
    }
  }

  /** Processes that disappeared from the system. */
  forget(pids: readonly number[]): void {
    for (const pid of pids) this.#members.delete(pid);
  }

  /**
   * Adopts what is in the tree's cgroup now, re-reads each member; drops the ones gone (or
   * replaced) and returns the live ones as they are now (a member may have changed group since
   * it was first seen).
   */
  live(): ProcessStatus[] {
    this.#adoptCgroupMembers();
    const alive: ProcessStatus[] = [];
    for (const [pid, member] of this.#members) {
      const now = this.#source.status(pid);
      if (now === undefined || now.startTime !== member.startTime) this.#members.delete(pid);
      else if (!now.exited) alive.push(now);
    }
    return alive;
  }

  members(): ProcessStatus[] {
    return [...this.#members.values()];
  }

  /**
   * Signals the root's group first (one system call, so the signal leaves at once), then calls
   * `between` (a fresh sample), then each live member outside the group. Group members get
   * the signal once: some programs take a second SIGTERM as "exit now". `reachedBefore`: members
   * the same signal reached a moment ago some other way (the cgroup kill), counted as reached.
   */
  signal(signal: NodeJS.Signals, between: () => void = () => {}, reachedBefore: readonly string[] = []): SignalReport {
    // Counted before the group signal, which may end some of them at once.
    const reached = new Set([...reachedBefore, ...this.live().map(keyOf)]);
    const group = this.groupId !== null && this.#groupIsOurs() ? this.groupId : null;
    if (group !== null) {
      try {
        process.kill(-group, signal);
      } catch {
        // The group is empty: everything in it has exited.
      }
    }
    between();
    let outsideGroup = 0;
    for (const member of this.live()) {
      reached.add(keyOf(member));
      if (member.groupId === group) continue;
      outsideGroup += 1;
      // live() has just checked that the pid still names the process we saw.
      try {
        process.kill(member.pid, signal);
      } catch {
        // It exited meanwhile, or it is not ours to signal (EPERM): it stays a survivor.
      }
    }
    return { processes: reached.size, outsideGroup };
  }

  /**
   * SIGKILLs everything in the tree's cgroup at once (see `killCgroup`), however it left the
   * group and the session. Returns the live members as they were just before (each as
   * pid/start time), for {@link TrackedTree.signal} to count; none without a cgroup.
   */
  killCgroup(): string[] {
    if (this.#settings.cgroup === null) return [];
    const members = this.live().map(keyOf);
    killCgroup(this.#settings.cgroup);
    return members;
  }

  /** Stops every live member outside the group that is not yet in `stopped`; returns how many. */
  stopOutsiders(stopped: Set<string>): number {
    const group = this.groupId !== null && this.#groupIsOurs() ? this.groupId : null;
    let count = 0;
    for (const member of this.live()) {
      const key = keyOf(member);
      if (member.groupId === group || stopped.has(key)) continue;
      stopped.add(key);
      count += 1;
      try {
        process.kill(member.pid, 'SIGSTOP');
      } catch {
        // Gone already, or not ours.
      }
    }
    return count;
  }

  /** Sends `signal` to the root's group as a whole when that is safe; false when it was not sent. */
  signalGroup(signal: NodeJS.Signals): boolean {
    if (this.groupId === null || !this.#groupIsOurs()) return false;
    try {
      process.kill(-this.groupId, signal);
      return true;
    } catch {
      return false;
    }
  }

  // Every process in the cgroup is the tree's: it was empty when the root entered it, and
  // nothing enters a cgroup from outside without being put there.
  #adoptCgroupMembers(): void {
    const cgroup = this.#settings.cgroup;
    if (cgroup === null) return;
    for (const pid of cgroupProcesses(cgroup)) {
      if (this.#members.has(pid) || this.#settings.excluded.has(pid)) continue;
      const status = this.#source.status(pid);
      if (status !== undefined) this.#adopt(status);
    }
  }

  // The root's group may be signalled as a whole only while its pid still names the root, or
  // names nothing (then any group with that id is what is left of the root's).
  #groupIsOurs(): boolean {
    const root = this.root;
    if (root === null || root.startTime === null || this.#rootStart === undefined) return false;
    const now = this.#source.status(root.pid);
    return now === undefined || now.startTime === root.startTime;
  }

  #mayBelong(status: ProcessStatus): boolean {
    if (this.#settings.excluded.has(status.pid)) return false;
    if (this.root !== null && status.pid === this.root.pid) return true;
    return this.#rootStart === undefined || status.startOrder >= this.#rootStart;
  }

  #belongs(known: KnownProcess, markerOf: (known: KnownProcess) => string | null): boolean {
    const { status } = known;
    const root = this.root;
    if (root !== null && status.pid === root.pid) {
      if (root.startTime === null || status.startTime === root.startTime) return true;
    }
    const parent = this.#members.get(status.parentPid);
    if (parent !== undefined && parent.startOrder <= status.startOrder) return true;
    for (const leader of [status.groupId, status.sessionId]) {
      const leaderStart = this.#leaders.get(leader);
      if (leaderStart !== undefined && leaderStart <= status.startOrder) return true;
    }
    return this.#settings.marker !== null && markerOf(known) === this.#settings.marker;
  }

  #adopt(status: ProcessStatus): void {
    this.#members.set(status.pid, status);
    if (status.groupId === status.pid || status.sessionId === status.pid) this.#leaders.set(status.pid, status.startOrder);
  }
}

function keyOf(status: ProcessStatus): string {
  return `${status.pid}/${status.startTime}`;
}
