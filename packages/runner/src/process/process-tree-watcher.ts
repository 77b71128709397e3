import type { ProcessIdentity } from '@claudine/core';
import { type ProcessSource, type ProcessStatus, systemProcessSource } from './process-status.js';
import { type KnownProcess, type ProcessTree, type SignalReport, TrackedTree } from './process-tree.js';
import { type TreeTermination, type TreeTerminationOptions, terminateTrackedTree } from './terminate-process-tree.js';

/** Settings of {@link createProcessTreeWatcher}. */
export interface ProcessTreeWatcherOptions {
  /** Time between two samples while at least one tree is tracked (default 500 ms). */
  readonly intervalMs?: number;
  /** The environment variable whose value marks a tree's processes (default `CLAUDINE_TASK_ID`). */
  readonly markerName?: string;
  /** Where process information comes from (default: /proc on Linux, `ps` elsewhere). */
  readonly source?: ProcessSource;
}

/** Options of one tracked tree. */
export interface TrackOptions {
  /**
   * The marker variable's value (a task id): any process whose environment has it belongs to
   * the tree, even one that left it by a double fork before a sample saw the link.
   */
  readonly marker?: string;
  /** The root leads its own process group and session, as a `detached` spawn does (default true). */
  readonly rootLeadsGroup?: boolean;
  /**
   * The tree's own cgroup (a cgroup v2 directory the root entered before it ran): everything in
   * it is a member, and SIGKILL kills it as a whole.
   */
  readonly cgroup?: string;
  /**
   * Sample at once (default true), so that processes the root started before this call are
   * found now. A root that has only just started has none: the next sample finds any it
   * starts, and signalling or stopping the tree always samples first.
   */
  readonly sampleNow?: boolean;
}

/**
 * Samples the system's processes for every tracked tree at once: one listing per interval,
 * however many trees, and only processes new since the last sample are read (their status,
 * and their environment when the marker is needed). The timer runs only while a tree is
 * tracked and does not keep the process alive.
 */
export interface ProcessTreeWatcher {
  /**
   * Starts tracking the tree of `root` (null: only processes with the marker) and, unless told
   * not to, samples at once, so children started before this call are found.
   */
  track(root: ProcessIdentity | null, options?: TrackOptions): ProcessTree;
  /**
   * Samples now for every tree (at most once per 5 ms unless `force`; `'turn'`: at most once
   * per synchronous turn, see {@link ProcessTree.refresh}).
   */
  sample(force?: boolean | 'turn'): void;
  /** Number of trees tracked. */
  readonly size: number;
  /** Stops sampling and forgets every tree. */
  close(): void;
}

// Samples closer together than this reuse the last one: trees polled together share it.
const MIN_SAMPLE_GAP_MS = 5;
// How long what was seen is kept once no tree is tracked.
const FORGET_AFTER_MS = 1000;

/** Creates a {@link ProcessTreeWatcher}. */
export function createProcessTreeWatcher(options: ProcessTreeWatcherOptions = {}): ProcessTreeWatcher {
  const source = options.source ?? systemProcessSource();
  const intervalMs = options.intervalMs ?? 500;
  const markerName = options.markerName ?? 'CLAUDINE_TASK_ID';
  const trees = new Set<TrackedTree>();
  const known = new Map<number, KnownProcess>();
  let timer: NodeJS.Timeout | undefined;
  let forgetTimer: NodeJS.Timeout | undefined;
  let lastSample = Number.NEGATIVE_INFINITY;
  // Set by a forced sample, cleared when the synchronous turn that took it ends.
  let forcedThisTurn = false;
  let excluded: Set<number> | undefined;

  const markerOf = (entry: KnownProcess): string | null => {
    if (entry.marker === undefined) entry.marker = source.environmentValue(entry.status.pid, markerName) ?? null;
    return entry.marker;
  };

  // This process and its ancestors never belong to a tree, whatever their environment says
  // (a host started from inside a task inherits that task's marker).
  const selfAndAncestors = (): Set<number> => {
    if (excluded !== undefined) return excluded;
    excluded = new Set([process.pid, 0, 1]);
    let pid = process.ppid;
    for (let depth = 0; depth < 64 && pid > 1 && !excluded.has(pid); depth += 1) {
      excluded.add(pid);
      pid = source.status(pid)?.parentPid ?? 0;
    }
    return excluded;
  };

  function sample(force: boolean | 'turn' = false): void {
    if (trees.size === 0) return;
    const now = performance.now();
    if (force === 'turn' && forcedThisTurn) return;
    if (force === false && now - lastSample < MIN_SAMPLE_GAP_MS) return;
    lastSample = now;
    if (force !== false && !forcedThisTurn) {
      forcedThisTurn = true;
      queueMicrotask(() => {
        forcedThisTurn = false;
      });
    }
    const pids = source.listPids();
    const present = new Set(pids);
    const removed: number[] = [];
    for (const pid of known.keys()) {
      if (!present.has(pid)) {
        known.delete(pid);
        removed.push(pid);
      }
    }
    const added: KnownProcess[] = [];
    for (const pid of pids) {
      if (known.has(pid)) continue;
      const status = source.listedStatus(pid);
      if (status === undefined) continue;
      const entry: KnownProcess = { status };
      known.set(pid, entry);
      added.push(entry);
    }
    for (const tree of trees) {
      tree.forget(removed);
      tree.consider(added, markerOf);
    }
  }

  function release(tree: TrackedTree): void {
    if (!trees.delete(tree)) return;
    if (trees.size > 0) return;
    clearInterval(timer);
    timer = undefined;
    // Nothing is tracked: forget what was seen, since pids may be reused before the next tree;
    // but not at once, so that tasks run one after another do not each read every process of
    // the system again (a pid is not reused within a second).
    clearTimeout(forgetTimer);
    forgetTimer = setTimeout(() => {
      forgetTimer = undefined;
      if (trees.size > 0) return;
      known.clear();
      lastSample = Number.NEGATIVE_INFINITY;
    }, FORGET_AFTER_MS);
    forgetTimer.unref();
  }

  return {
    track(root, trackOptions = {}) {
      const tree = new TrackedTree(
        {
          root,
          marker: trackOptions.marker ?? null,
          rootLeadsGroup: trackOptions.rootLeadsGroup ?? true,
          excluded: selfAndAncestors(),
          cgroup: trackOptions.cgroup ?? null,
        },
        source,
      );
      trees.add(tree);
      clearTimeout(forgetTimer);
      forgetTimer = undefined;
      // Processes already known may include the root and its first children.
      tree.consider([...known.values()], markerOf);
      if (trackOptions.sampleNow ?? true) sample(true);
      if (timer === undefined) {
        timer = setInterval(() => sample(), intervalMs);
        timer.unref();
      }
      return handleOf(tree, sample, () => release(tree));
    },
    sample,
    get size() {
      return trees.size;
    },
    close() {
      for (const tree of [...trees]) release(tree);
      clearTimeout(forgetTimer);
      forgetTimer = undefined;
      known.clear();
    },
  };
}

function handleOf(tree: TrackedTree, sample: (force: boolean | 'turn') => void, release: () => void): ProcessTree {
  return {
    root: tree.root,
    groupId: tree.groupId,
    refresh(options = {}): readonly ProcessStatus[] {
      sample(options.force ?? false);
      return tree.live();
    },
    members(): readonly ProcessStatus[] {
      return tree.members();
    },
    signal(signal: NodeJS.Signals): SignalReport {
      return tree.signal(signal, () => sample(true));
    },
    terminate(options: TreeTerminationOptions): TreeTermination {
      return terminateTrackedTree(tree, sample, options);
    },
    release,
  };
}
