import type { ProcessIdentity } from '@claudine/core';
import { createProcessTreeWatcher, type ProcessTreeWatcher } from './process-tree-watcher.js';
import type { TreeTerminationOutcome } from './terminate-process-tree.js';

/** What to stop with {@link stopProcessTree}. */
export interface StopProcessTreeOptions {
  /** The tree's root as recorded (null when it was never recorded): its group and descendants. */
  readonly root: ProcessIdentity | null;
  /** The marker value (a task id): every process whose environment carries it. */
  readonly marker?: string;
  /** Time between SIGTERM and SIGKILL. */
  readonly graceMs: number;
  /** A watcher to share (default: a private one, closed afterwards). */
  readonly watcher?: ProcessTreeWatcher;
}

/** What {@link stopProcessTree} did. */
export interface StopProcessTreeOutcome extends TreeTerminationOutcome {
  /** Live processes of the tree when it started: 0 means there was nothing to stop. */
  readonly found: number;
}

/**
 * Finds what is left of a process tree nobody tracks any more (a task of a host that died) and
 * terminates it: the root if it is still the recorded process, its process group, everything
 * descending from them, and every process carrying the marker, even when the root is long gone.
 */
export async function stopProcessTree(options: StopProcessTreeOptions): Promise<StopProcessTreeOutcome> {
  const watcher = options.watcher ?? createProcessTreeWatcher();
  const tree = watcher.track(options.root, options.marker === undefined ? {} : { marker: options.marker });
  try {
    const found = tree.refresh({ force: true }).length;
    const outcome = await tree.terminate({ graceMs: options.graceMs }).done;
    return { ...outcome, found };
  } finally {
    tree.release();
    if (options.watcher === undefined) watcher.close();
  }
}
