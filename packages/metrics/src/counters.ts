import { type CpuTicks, type IoCounters, ZERO_IO } from './proc-reader.js';

/** No CPU time. */
export const ZERO_CPU: CpuTicks = { user: 0, system: 0 };

/** The sum of CPU times. */
export function addCpu(left: CpuTicks, right: CpuTicks): CpuTicks {
  return { user: left.user + right.user, system: left.system + right.system };
}

/** The larger of two CPU times, mode by mode (totals only grow). */
export function maxCpu(left: CpuTicks, right: CpuTicks): CpuTicks {
  return { user: Math.max(left.user, right.user), system: Math.max(left.system, right.system) };
}

/** `left - right`, never below zero, mode by mode. */
export function subtractCpu(left: CpuTicks, right: CpuTicks): CpuTicks {
  return { user: Math.max(0, left.user - right.user), system: Math.max(0, left.system - right.system) };
}

/** `value * factor`, mode by mode. */
export function scaleCpu(value: CpuTicks, factor: number): CpuTicks {
  return { user: value.user * factor, system: value.system * factor };
}

/** Total CPU ticks. */
export function cpuTotal(value: CpuTicks): number {
  return value.user + value.system;
}

const IO_KEYS = ['readBytes', 'writeBytes', 'readOps', 'writeOps', 'diskReadBytes', 'diskWriteBytes'] as const;

function combineIo(left: IoCounters, right: IoCounters, combine: (left: number, right: number) => number): IoCounters {
  const out: Record<(typeof IO_KEYS)[number], number> = { ...ZERO_IO };
  for (const key of IO_KEYS) out[key] = combine(left[key], right[key]);
  return out;
}

/** The sum of I/O counters. */
export function addIo(left: IoCounters, right: IoCounters): IoCounters {
  return combineIo(left, right, (a, b) => a + b);
}

/** The larger of two sets of counters, counter by counter. */
export function maxIo(left: IoCounters, right: IoCounters): IoCounters {
  return combineIo(left, right, Math.max);
}

/** `left - right`, never below zero, counter by counter. */
export function subtractIo(left: IoCounters, right: IoCounters): IoCounters {
  return combineIo(left, right, (a, b) => Math.max(0, a - b));
}

/** `value * factor`, rounded, counter by counter. */
export function scaleIo(value: IoCounters, factor: number): IoCounters {
  return combineIo(value, ZERO_IO, (a) => Math.round(a * factor));
}
