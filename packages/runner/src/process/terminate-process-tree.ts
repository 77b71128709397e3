import type { ProcessIdentity } from '@claudine/core';
import type { SignalReport, TrackedTree } from './process-tree.js';

/** Settings of one termination. */
export interface TreeTerminationOptions {
  /** Time between SIGTERM and SIGKILL. */
  readonly graceMs: number;
  /** How often to look whether every process is gone (default 25 ms, only while terminating). */
  readonly pollMs?: number;
  /** After SIGKILL, how long to wait for the processes to disappear before giving up (default 2 s). */
  readonly killWaitMs?: number;
  readonly now?: () => number;
  /** Called right after SIGKILL was sent (not called when everything left during the grace period). */
  readonly onKill?: (report: SignalReport, at: number) => void;
}

/** How a termination went. Times come from `options.now`. */
export interface TreeTerminationOutcome {
  /** When SIGTERM was sent, and to what. */
  readonly termAt: number;
  readonly term: SignalReport;
  /** When SIGKILL was sent and to what; null when every process left during the grace period. */
  readonly killAt: number | null;
  readonly kill: SignalReport | null;
  /** When no process of the tree was left (or when it gave up, if some survived). */
  readonly goneAt: number;
  /** Processes still alive when it gave up: not ours to kill, or stuck in the kernel. */
  readonly survivors: readonly ProcessIdentity[];
}

/** A termination in progress. */
export interface TreeTermination {
  /** When SIGTERM was sent, and to what (known as soon as the termination starts). */
  readonly termAt: number;
  readonly term: SignalReport;
  /** Settles when every process of the tree is gone (or SIGKILL did not help). Never rejects. */
  readonly done: Promise<TreeTerminationOutcome>;
  /** Cuts the grace period short: freezes and SIGKILLs the whole tree now, synchronously. */
  killNow(): void;
}

// At most this many rounds of "sample, stop what is new" before SIGKILL: each round can only
// find children started before the previous round stopped their parents.
const MAX_FREEZE_ROUNDS = 8;

/**
 * Terminates a tracked tree: SIGTERM to its process group and to every member outside it; after
 * the grace period, kills its cgroup (when it has one), freezes everything else (SIGSTOP, so
 * nothing forks or escapes between the last sample and the kill) and sends SIGKILL to the group
 * and every member. Resolves as soon as no member is left, during the grace period or after the
 * kill.
 */
export function terminateTrackedTree(
  tree: TrackedTree,
  sample: (force: boolean) => void,
  options: TreeTerminationOptions,
): TreeTermination {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 25;
  const killWaitMs = options.killWaitMs ?? 2000;
  const termAt = now();
  const term = tree.signal('SIGTERM', () => sample(true));
  let killAt: number | null = null;
  let kill: SignalReport | null = null;
  let finished = false;
  let resolveDone: (outcome: TreeTerminationOutcome) => void = () => {};
  const done = new Promise<TreeTerminationOutcome>((resolve) => {
    resolveDone = resolve;
  });

  const finish = (survivors: readonly ProcessIdentity[]): void => {
    if (finished) return;
    finished = true;
    clearTimeout(graceTimer);
    clearInterval(poll);
    resolveDone({ termAt, term, killAt, kill, goneAt: now(), survivors });
  };

  const killTree = (): void => {
    if (finished || killAt !== null) return;
    clearTimeout(graceTimer);
    // The cgroup first: one write takes every process in it, escaped or not. What is outside it
    // (a run without a cgroup) is frozen and found by sampling, then killed with the group.
    const killedWithCgroup = tree.killCgroup();
    tree.signalGroup('SIGSTOP');
    const stopped = new Set<string>();
    for (let round = 0; round < MAX_FREEZE_ROUNDS; round += 1) {
      sample(true);
      if (tree.stopOutsiders(stopped) === 0) break;
    }
    killAt = now();
    kill = tree.signal('SIGKILL', () => {}, killedWithCgroup);
    options.onKill?.(kill, killAt);
  };

  const check = (): void => {
    if (finished) return;
    sample(false);
    const alive = tree.live();
    if (alive.length === 0) {
      finish([]);
      return;
    }
    if (killAt !== null && now() - killAt >= killWaitMs) {
      finish(alive.map((member) => ({ pid: member.pid, startTime: member.startTime })));
    }
  };

  const graceTimer = setTimeout(killTree, options.graceMs);
  const poll = setInterval(check, pollMs);
  if (term.processes === 0) finish([]);
  return { termAt, term, done, killNow: killTree };
}
