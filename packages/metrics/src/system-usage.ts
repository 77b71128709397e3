import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import type { MissingFigure } from '@claudine/core';
import { MILLISECONDS_PER_TICK, readMachineCpuTicks, readMachineMemory, readProcessMemory, readProcessStat } from './proc-reader.js';

/** CPU and memory use of the machine and of one process (the host). */
export interface SystemUsage {
  /** Busy share of all cores since the previous reading, 0-100; null on the first reading. */
  readonly machineCpuPercent: number | null;
  readonly machineCpuCores: number;
  readonly machineMemoryUsedBytes: number | null;
  readonly machineMemoryTotalBytes: number | null;
  /** CPU the process used since the previous reading, in percent of one core. */
  readonly hostCpuPercent: number | null;
  /** Resident memory of the process. */
  readonly hostMemoryBytes: number | null;
  readonly missing: readonly MissingFigure[];
}

/** Reads {@link SystemUsage}; CPU figures are rates between two readings. */
export interface SystemUsageMeter {
  read(): SystemUsage;
}

/**
 * A meter for the machine and for process `pid` (default: this process, measured through Node
 * on any platform; another process is read from /proc, so on Linux only). The machine comes
 * from /proc where there is one, else from Node's `os` module.
 */
export function createSystemUsageMeter(options: { readonly pid?: number; readonly now?: () => number } = {}): SystemUsageMeter {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  let previousMachine = machineCpu();
  let previousProcess = processCpuMs(pid);
  let previousAt = now();
  return {
    read() {
      const at = now();
      const machine = machineCpu();
      const processCpu = processCpuMs(pid);
      const elapsed = at - previousAt;
      const missing: MissingFigure[] = [];
      const machineCpuPercent =
        previousMachine !== undefined && machine !== undefined && machine.total > previousMachine.total
          ? clampPercent(((machine.busy - previousMachine.busy) / (machine.total - previousMachine.total)) * 100)
          : null;
      if (machineCpuPercent === null) missing.push({ figure: 'machine-cpu', reason: 'needs two readings some time apart' });
      const hostCpuPercent =
        previousProcess !== undefined && processCpu !== undefined && elapsed > 0
          ? round(((processCpu - previousProcess) / elapsed) * 100)
          : null;
      if (hostCpuPercent === null) {
        missing.push({ figure: 'host-cpu', reason: processCpu === undefined ? 'the host process cannot be read' : 'needs two readings' });
      }
      const memory = machineMemory();
      const hostMemoryBytes = processMemory(pid);
      if (hostMemoryBytes === null) missing.push({ figure: 'host-memory', reason: 'the host process cannot be read' });
      previousMachine = machine;
      previousProcess = processCpu;
      previousAt = at;
      return {
        machineCpuPercent,
        machineCpuCores: availableParallelism(),
        machineMemoryUsedBytes: memory.totalBytes - memory.availableBytes,
        machineMemoryTotalBytes: memory.totalBytes,
        hostCpuPercent,
        hostMemoryBytes,
        missing,
      };
    },
  };
}

function machineCpu(): { busy: number; total: number } | undefined {
  const ticks = readMachineCpuTicks();
  if (ticks !== undefined) return ticks;
  let busy = 0;
  let total = 0;
  for (const core of cpus()) {
    const times = core.times;
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return total === 0 ? undefined : { busy, total };
}

function machineMemory(): { totalBytes: number; availableBytes: number } {
  return readMachineMemory() ?? { totalBytes: totalmem(), availableBytes: freemem() };
}

function processCpuMs(pid: number): number | undefined {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  const stat = readProcessStat(pid);
  return stat === undefined ? undefined : (stat.own.user + stat.own.system) * MILLISECONDS_PER_TICK;
}

function processMemory(pid: number): number | null {
  if (pid === process.pid) return process.memoryUsage.rss();
  return readProcessMemory(pid)?.residentBytes ?? null;
}

function clampPercent(value: number): number {
  return round(Math.min(100, Math.max(0, value)));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
