import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Figure, median } from '../harness.js';
import { plainWorktreeAdd } from './worktree-repository.js';

/** What {@link timeWorktreePairs} compares with plain `git worktree add -b`. */
export interface WorktreePairsOptions {
  /** The repository (see `makeWorktreeRepository`) and the commit both sides start from. */
  readonly repository: string;
  readonly base: string;
  readonly scratch: string;
  /** Pairs kept; one more, the first, warms up and is dropped. */
  readonly pairs: number;
  /** Names our side in the log lines. */
  readonly label: string;
  /** Readies pair `pair` (untimed) and returns our side's timed work. */
  ours(pair: number): Promise<() => Promise<void>>;
  /** Waited for after each timed run, untimed (work our side left running). */
  settle?(): Promise<unknown>;
  log(line: string): void;
}

/** The durations of each side and their ratio, pair by pair. */
export interface WorktreePairs {
  readonly plain: readonly number[];
  readonly ours: readonly number[];
  readonly ratios: readonly number[];
}

/**
 * Times our way of making a worktree against plain `git worktree add -b` of the same commit, in
 * pairs whose order alternates, with `sync` before each run so that each starts with the
 * previous one's files written out rather than queued in the page cache. Worktrees are kept
 * until the end: deleting thousands of files between pairs made the next run pay for it (ext4
 * discarding freed blocks), whichever of the two came first.
 */
export async function timeWorktreePairs(options: WorktreePairsOptions): Promise<WorktreePairs> {
  const plain: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  const timed = async (work: () => Promise<void>): Promise<number> => {
    execFileSync('sync');
    const started = performance.now();
    await work();
    const elapsed = performance.now() - started;
    await options.settle?.();
    return elapsed;
  };
  for (let pair = 0; pair <= options.pairs; pair += 1) {
    const work = await options.ours(pair);
    const plainPath = join(options.scratch, 'worktrees', `plain-${pair}`);
    const runPlain = () => timed(() => plainWorktreeAdd(options.repository, plainPath, `plain/${pair}`, options.base));
    const runOurs = () => timed(work);
    let plainMs: number;
    let oursMs: number;
    if (pair % 2 === 0) {
      plainMs = await runPlain();
      oursMs = await runOurs();
    } else {
      oursMs = await runOurs();
      plainMs = await runPlain();
    }
    if (pair === 0) continue;
    plain.push(plainMs);
    ours.push(oursMs);
    ratios.push(oursMs / plainMs);
    options.log(`pair ${pair}: git worktree add ${plainMs.toFixed(1)} ms, ${options.label} ${oursMs.toFixed(1)} ms`);
  }
  return { plain, ours, ratios };
}

/** The two figures of a worktree bench: our median against plain `git worktree add`'s, and the median ratio. */
export function worktreePairFigures(pairs: WorktreePairs, metric: string, ratioMetric: string): Figure[] {
  return [
    {
      metric,
      value: median(pairs.ours),
      unit: 'ms',
      baseline: median(pairs.plain),
      baselineLabel: 'git worktree add -b',
      target: '<= 1.3x (ratio >= 76.9%)',
      better: 'lower',
    },
    { metric: ratioMetric, value: median(pairs.ratios), unit: 'x', target: '<= 1.3x', better: 'lower' },
  ];
}
