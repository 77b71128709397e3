// Everything this package reads from /proc lives here, so the Linux-specific parsing is in one
// place and the rest of the package works on plain numbers.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

/**
 * Clock ticks per second of the times in /proc (`USER_HZ`). The kernel fixes it at 100 on every
 * architecture Node runs on; `sysconf(_SC_CLK_TCK)` is not reachable from Node without a native
 * module, and asking `getconf` would cost a process per host.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Milliseconds of CPU time in one clock tick. */
export const MILLISECONDS_PER_TICK = 1000 / CLOCK_TICKS_PER_SECOND;

/** CPU time in clock ticks, split by mode. */
export interface CpuTicks {
  readonly user: number;
  readonly system: number;
}

/** What `/proc/<pid>/stat` says about a process. */
export interface ProcessStat {
  readonly pid: number;
  readonly parentPid: number;
  readonly sessionId: number;
  /** One letter: R running, S sleeping, Z zombie, ... */
  readonly state: string;
  /** Start time in clock ticks since boot: with the pid, it names one process. */
  readonly startTime: number;
  /** CPU time of the process itself (all its threads). */
  readonly own: CpuTicks;
  /**
   * CPU time of the children it has waited for, and of theirs, recursively. This is how a
   * process that has already been reaped stays counted: its time moved into its parent's.
   */
  readonly reapedChildren: CpuTicks;
  /** Resident memory now (0 for a zombie). */
  readonly residentBytes: number;
}

/** I/O counters of `/proc/<pid>/io`; they include the children the process has waited for. */
export interface IoCounters {
  /** Bytes passed to read-like system calls (files, pipes, sockets). */
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly readOps: number;
  readonly writeOps: number;
  /** Bytes fetched from storage. */
  readonly diskReadBytes: number;
  /** Bytes sent (or to be sent) to storage. */
  readonly diskWriteBytes: number;
}

/** Resident memory of a process now and at its highest, from `/proc/<pid>/status`. */
export interface ProcessMemory {
  readonly residentBytes: number;
  readonly peakResidentBytes: number;
}

/** Counters that are all zero. */
export const ZERO_IO: IoCounters = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0, diskReadBytes: 0, diskWriteBytes: 0 };

// /proc files are generated on read and report a size of 0, so readFileSync's stat-then-read is
// wasted work: one read into a reused buffer costs about half as much, which matters at one
// read per file per process per sample.
const buffer = Buffer.allocUnsafe(16 * 1024);

/** The text of a /proc file, or undefined when it cannot be read (the process is gone). */
export function readProcFile(path: string): string | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const length = readSync(descriptor, buffer, 0, buffer.length, 0);
    // A file larger than the buffer (never the case for the files read here) is read whole.
    return length < buffer.length ? buffer.toString('latin1', 0, length) : readFileSync(path, 'latin1');
  } catch {
    return undefined;
  } finally {
    closeSync(descriptor);
  }
}

/** True when this platform has the /proc files this module reads. */
export function hasProcFileSystem(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    readFileSync('/proc/self/stat', 'latin1');
    return true;
  } catch {
    return false;
  }
}

/** Parses `/proc/<pid>/stat`; undefined when the process is gone (or was never there). */
export function readProcessStat(pid: number | 'self'): ProcessStat | undefined {
  const text = readProcFile(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parseProcessStat(text);
}

/** Parses the text of a `/proc/<pid>/stat` file. */
export function parseProcessStat(text: string): ProcessStat | undefined {
  // The command name is in parentheses and may itself contain spaces and ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const fields = text.slice(close + 2).split(' ');
  // Fields after the name, counted from 0: state, ppid, pgrp, session, ..., utime (11),
  // stime (12), cutime (13), cstime (14), ..., starttime (19), vsize (20), rss in pages (21).
  const number = (index: number): number => Number(fields[index] ?? Number.NaN);
  const stat: ProcessStat = {
    pid,
    parentPid: number(1),
    sessionId: number(3),
    state: fields[0] ?? '?',
    startTime: number(19),
    own: { user: number(11), system: number(12) },
    reapedChildren: { user: number(13), system: number(14) },
    residentBytes: Math.max(0, number(21)) * pageSize(),
  };
  return Number.isFinite(stat.startTime) && Number.isFinite(stat.own.user) ? stat : undefined;
}

/** Parses `/proc/<pid>/io`; undefined when the process is gone or not ours to read. */
export function readProcessIo(pid: number | 'self' | `self/task/${number}`): IoCounters | undefined {
  const text = readProcFile(`/proc/${pid}/io`);
  if (text === undefined) return undefined;
  const values = keyValues(text, ':');
  const get = (key: string): number => values.get(key) ?? 0;
  if (!values.has('rchar')) return undefined;
  return {
    readBytes: get('rchar'),
    writeBytes: get('wchar'),
    readOps: get('syscr'),
    writeOps: get('syscw'),
    diskReadBytes: get('read_bytes'),
    diskWriteBytes: get('write_bytes'),
  };
}

/** Resident memory from `/proc/<pid>/status`; undefined for a gone process or a zombie. */
export function readProcessMemory(pid: number | 'self'): ProcessMemory | undefined {
  const text = readProcFile(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const resident = kilobytesField(text, 'VmRSS:');
  if (resident === undefined) return undefined;
  return { residentBytes: resident, peakResidentBytes: kilobytesField(text, 'VmHWM:') ?? resident };
}

/** Pids of every process visible in /proc. */
export function listProcessIds(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0);
    if (code >= 48 && code <= 57) pids.push(Number(name));
  }
  return pids;
}

/** Thread ids of this process. */
export function listOwnThreads(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
}

/** Machine-wide CPU time in clock ticks since boot: busy and total, over every core. */
export function readMachineCpuTicks(): { busy: number; total: number } | undefined {
  const text = readProcFile('/proc/stat');
  if (text === undefined) return undefined;
  const line = text.slice(0, text.indexOf('\n'));
  if (!line.startsWith('cpu ')) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Total and available memory from `/proc/meminfo`, in bytes. */
export function readMachineMemory(): { totalBytes: number; availableBytes: number } | undefined {
  const text = readProcFile('/proc/meminfo');
  if (text === undefined) return undefined;
  const total = kilobytesField(text, 'MemTotal:');
  const available = kilobytesField(text, 'MemAvailable:');
  if (total === undefined || available === undefined) return undefined;
  return { totalBytes: total, availableBytes: available };
}

let cachedPageSize: number | undefined;

/**
 * The memory page size, which the rss of /proc/<pid>/stat counts in: 4 KiB on x86, 4, 16 or 64
 * KiB on ARM. Derived once from this process's own figures in pages and in kB.
 */
export function pageSize(): number {
  if (cachedPageSize !== undefined) return cachedPageSize;
  const pages = Number(readProcFile('/proc/self/statm')?.split(' ')[1]);
  const kilobytes = kilobytesField(readProcFile('/proc/self/status') ?? '', 'VmRSS:');
  const estimate = kilobytes === undefined || !(pages > 0) ? 4096 : kilobytes / pages;
  // The two reads are a moment apart: round to the nearest power of two.
  cachedPageSize = 2 ** Math.round(Math.log2(Math.max(4096, estimate)));
  return cachedPageSize;
}

function kilobytesField(text: string, key: string): number | undefined {
  const start = text.indexOf(key);
  if (start < 0) return undefined;
  const end = text.indexOf('\n', start);
  const value = Number.parseInt(text.slice(start + key.length, end < 0 ? undefined : end).trim(), 10);
  return Number.isFinite(value) ? value * 1024 : undefined;
}

function keyValues(text: string, separator: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const index = line.indexOf(separator);
    if (index > 0) values.set(line.slice(0, index).trim(), Number(line.slice(index + 1).trim()));
  }
  return values;
}
