import { addCpu, addIo, scaleCpu, scaleIo, subtractCpu, subtractIo, ZERO_CPU } from './counters.js';
import { type IoCounters, listOwnThreads, readProcessIo, readProcessStat, ZERO_IO } from './proc-reader.js';
import { type ReapedTotals, type TaskUsage, totalsWeight } from './task-usage.js';

/**
 * The counters of this process's reaped children: what every child it has waited for consumed
 * over its whole life (with the children that child waited for). Leaders of tasks are children
 * of the host, so the growth of these counters between two reads is exactly what the leaders
 * reaped in between consumed, to the last tick, even a task shorter than one sample.
 */
export class ReapedChildrenLedger {
  #last: ReapedTotals = readOwnReapedChildren();

  /**
   * Reads the counters again and gives the growth since the last read to `reaped`: the tasks
   * whose leader was found reaped since then. Must be called in the same synchronous turn as
   * the samples that found them, so no reap falls between (Node reaps children between turns).
   */
  settle(reaped: readonly TaskUsage[]): void {
    const current = readOwnReapedChildren();
    const growth: ReapedTotals = { cpu: subtractCpu(current.cpu, this.#last.cpu), io: subtractIo(current.io, this.#last.io) };
    this.#last = current;
    if (reaped.length === 0) return;
    if (reaped.length === 1) {
      reaped[0]?.attributeLeader(growth);
      return;
    }
    // Several leaders reaped in one interval: each gets at least its last sample, and what
    // their samples did not see is shared in proportion to what they did.
    let seenCpu = ZERO_CPU;
    let seenIo = ZERO_IO;
    for (const usage of reaped) {
      seenCpu = addCpu(seenCpu, usage.leaderLowerBound.cpu);
      seenIo = addIo(seenIo, usage.leaderLowerBound.io);
    }
    const unseen: ReapedTotals = { cpu: subtractCpu(growth.cpu, seenCpu), io: subtractIo(growth.io, seenIo) };
    const weights = reaped.map((usage) => totalsWeight(usage.leaderLowerBound));
    const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
    reaped.forEach((usage, index) => {
      const share = totalWeight === 0 ? 1 / reaped.length : (weights[index] ?? 0) / totalWeight;
      usage.attributeLeader({
        cpu: addCpu(usage.leaderLowerBound.cpu, scaleCpu(unseen.cpu, share)),
        io: addIo(usage.leaderLowerBound.io, scaleIo(unseen.io, share)),
      });
    });
  }
}

/**
 * This process's reaped children counters. CPU is in /proc/self/stat (cutime, cstime). For I/O,
 * /proc/self/io adds the reaped children to the live threads' own counters, so the threads'
 * (read first, so I/O they do meanwhile cannot make the difference negative) are subtracted.
 */
function readOwnReapedChildren(): ReapedTotals {
  const cpu = readProcessStat('self')?.reapedChildren ?? ZERO_CPU;
  let threads: IoCounters = ZERO_IO;
  for (const thread of listOwnThreads()) threads = addIo(threads, readProcessIo(`self/task/${thread}`) ?? ZERO_IO);
  const whole = readProcessIo('self') ?? ZERO_IO;
  return { cpu, io: subtractIo(whole, threads) };
}
