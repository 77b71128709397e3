import { describe, expect, it } from 'vitest';
import { parseProcessStat, readProcessStat } from './proc-reader.js';

describe('parseProcessStat', () => {
  it('reads the fields after a command name with spaces and parentheses', () => {
    const text =
      '4242 (weird ) name) S 4000 4242 4242 0 -1 4194304 98 0 0 0 150 25 300 40 20 0 1 0 239204 3133440 413 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
    expect(parseProcessStat(text)).toEqual({
      pid: 4242,
      parentPid: 4000,
      sessionId: 4242,
      state: 'S',
      startTime: 239204,
      own: { user: 150, system: 25 },
      reapedChildren: { user: 300, system: 40 },
      residentBytes: 413 * 4096,
    });
  });

  it('refuses text that is not a stat line', () => {
    expect(parseProcessStat('garbage')).toBeUndefined();
  });

  it('reads this process', () => {
    const stat = readProcessStat(process.pid);
    expect(stat?.pid).toBe(process.pid);
    expect(stat?.parentPid).toBe(process.ppid);
    // The same resident memory as Node reports, give or take what moved between the two reads.
    expect(Math.abs((stat?.residentBytes ?? 0) - process.memoryUsage.rss())).toBeLessThan(16 * 1024 * 1024);
    expect(readProcessStat(2 ** 30)).toBeUndefined();
  });
});
