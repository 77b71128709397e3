import { listProcessIds, readProcessStat } from './proc-reader.js';

interface Entry {
  readonly sessionId: number;
  readonly parentPid: number;
  owner: string | undefined;
}

/**
 * Which processes belong to which task, without cgroups: a process belongs to a task when it
 * is the task's leader, is in the leader's session (each task runs in its own session, and a
 * process that leaves its parent stays in it), or descends from a process of the task.
 *
 * Scanning reads /proc once per call but only the stat of processes it has not seen before: a
 * process never joins a task after it was found outside one (a session is joined only at birth
 * and a parent changes only to init), so the cost follows new processes, not all of them. A pid
 * reused within one interval would keep its old verdict; with pids allocated in turn that
 * takes tens of thousands of process starts between two scans.
 */
export class ProcessTable {
  readonly #entries = new Map<number, Entry>();
  readonly #leaders = new Map<number, string>();
  readonly #members = new Map<string, Set<number>>();

  /** Starts placing the processes of the task led by `leaderPid` under `key`. */
  track(key: string, leaderPid: number): void {
    this.#leaders.set(leaderPid, key);
    this.#members.set(key, new Set());
    // Anything already seen that could be the task's must be judged again.
    for (const [pid, entry] of this.#entries) {
      if (pid === leaderPid || entry.sessionId === leaderPid || entry.parentPid === leaderPid) this.#entries.delete(pid);
    }
  }

  /** Stops placing processes under `key`. */
  untrack(key: string): void {
    for (const [pid, owner] of this.#leaders) if (owner === key) this.#leaders.delete(pid);
    for (const pid of this.#members.get(key) ?? []) {
      const entry = this.#entries.get(pid);
      if (entry !== undefined) entry.owner = undefined;
    }
    this.#members.delete(key);
  }

  /** The pids of each tracked task's processes as of the last scan (plus its leader). */
  known(): ReadonlyMap<string, readonly number[]> {
    const result = new Map<string, readonly number[]>();
    for (const [key, pids] of this.#members) result.set(key, [...pids]);
    for (const [pid, key] of this.#leaders) {
      const pids = result.get(key);
      if (pids !== undefined && !pids.includes(pid)) result.set(key, [pid, ...pids]);
    }
    return result;
  }

  /** Re-reads /proc; returns the pids of each tracked task's processes. */
  scan(): ReadonlyMap<string, readonly number[]> {
    const listed = new Set(listProcessIds());
    for (const pid of this.#entries.keys()) {
      if (listed.has(pid)) continue;
      const owner = this.#entries.get(pid)?.owner;
      if (owner !== undefined) this.#members.get(owner)?.delete(pid);
      this.#entries.delete(pid);
    }
    const fresh: number[] = [];
    for (const pid of listed) {
      if (this.#entries.has(pid)) continue;
      const stat = readProcessStat(pid);
      if (stat === undefined) continue;
      this.#entries.set(pid, { sessionId: stat.sessionId, parentPid: stat.parentPid, owner: undefined });
      fresh.push(pid);
    }
    // A new process's parent may be new too: repeat until nothing changes.
    let changed = fresh.length > 0;
    while (changed) {
      changed = false;
      for (const pid of fresh) {
        const entry = this.#entries.get(pid);
        if (entry === undefined || entry.owner !== undefined) continue;
        const owner = this.#leaders.get(pid) ?? this.#leaders.get(entry.sessionId) ?? this.#entries.get(entry.parentPid)?.owner;
        if (owner === undefined) continue;
        entry.owner = owner;
        this.#members.get(owner)?.add(pid);
        changed = true;
      }
    }
    const result = new Map<string, readonly number[]>();
    for (const [key, pids] of this.#members) result.set(key, [...pids]);
    return result;
  }
}
