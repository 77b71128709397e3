import { readFileSync } from 'node:fs';

// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common architecture.
const MS_PER_TICK = 10;

/** CPU time (user + system, all threads) a live process has used, in ms. Linux only. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** CPU time the whole machine has spent busy (all cores, everything but idle and iowait), in ms. */
export function machineBusyMs(): number {
  const first = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * MS_PER_TICK;
}
