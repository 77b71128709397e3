import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What the operating system says about one process at one moment. */
export interface ProcessStatus {
  readonly pid: number;
  readonly parentPid: number;
  /** The process group it belongs to (the pid of the group's leader). */
  readonly groupId: number;
  /** The session it belongs to (the pid of the session's leader); 0 where unknown. */
  readonly sessionId: number;
  /**
   * Identifies this process among all that ever had its pid (see `processStartTime`): equal
   * tokens mean the same process.
   */
  readonly startTime: string;
  /**
   * When it started, as a number that orders processes of one machine (clock ticks since boot
   * on Linux, seconds since the epoch elsewhere). A child never starts before its parent.
   */
  readonly startOrder: number;
  /** True once it has exited and waits to be reaped (a zombie): it runs no code any more. */
  readonly exited: boolean;
}

/**
 * Where process information comes from: `/proc` on Linux, `ps` elsewhere. Reads are
 * best-effort: a process can end between two reads, which shows as `undefined`.
 */
export interface ProcessSource {
  /** Pids of every process now. */
  listPids(): number[];
  /** The status of one process now, or undefined when no process has the pid. */
  status(pid: number): ProcessStatus | undefined;
  /**
   * The status of a process as of the latest {@link ProcessSource.listPids} where the platform
   * lists statuses together (`ps`), else as {@link ProcessSource.status}. For classifying many
   * new processes at once; liveness checks use `status`.
   */
  listedStatus(pid: number): ProcessStatus | undefined;
  /**
   * The value of environment variable `name` in the process's initial environment, or
   * undefined when it has none, it is not ours to read, or the platform cannot tell.
   */
  environmentValue(pid: number, name: string): string | undefined;
  /**
   * The start order encoded in a start-time token of this source, or undefined when it cannot
   * be compared with the processes listed now (a token from another boot, say).
   */
  startOrder(startTime: string): number | undefined;
}

let bootId: string | undefined;

/** The kernel's boot id on Linux (empty elsewhere): part of every start-time token. */
export function readBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return bootId;
}

/** Parses the contents of `/proc/<pid>/stat`. Exported for tests. */
export function parseProcStat(pid: number, stat: string): ProcessStatus | undefined {
  // Fields after the parenthesised command name, which may itself contain spaces and ')'.
  const close = stat.lastIndexOf(')');
  if (close === -1) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  if (state === undefined || startTicks === undefined) return undefined;
  return {
    pid,
    parentPid: Number(fields[1]),
    groupId: Number(fields[2]),
    sessionId: Number(fields[3]),
    startTime: `${readBootId()}:${startTicks}`,
    startOrder: Number(startTicks),
    exited: state === 'Z' || state === 'X',
  };
}

function readLinuxStatus(pid: number): ProcessStatus | undefined {
  try {
    return parseProcStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function linuxStartOrder(startTime: string): number | undefined {
  const separator = startTime.lastIndexOf(':');
  if (separator === -1 || startTime.slice(0, separator) !== readBootId()) return undefined;
  const ticks = Number(startTime.slice(separator + 1));
  return Number.isFinite(ticks) ? ticks : undefined;
}

const linuxSource: ProcessSource = {
  startOrder: linuxStartOrder,
  listPids() {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      // Entries for processes are all digits; the rest (self, sys, ...) start with a letter.
      const first = entry.charCodeAt(0);
      if (first >= 48 && first <= 57) pids.push(Number(entry));
    }
    return pids;
  },
  status: readLinuxStatus,
  listedStatus: readLinuxStatus,
  environmentValue(pid, name) {
    let environment: Buffer;
    try {
      environment = readFileSync(`/proc/${pid}/environ`);
    } catch {
      return undefined;
    }
    const needle = Buffer.from(`${name}=`);
    let at = environment.indexOf(needle);
    // Only a match at the start of an entry counts (not FOO_CLAUDINE_TASK_ID=...).
    while (at > 0 && environment[at - 1] !== 0) at = environment.indexOf(needle, at + 1);
    if (at === -1) return undefined;
    const start = at + needle.length;
    const end = environment.indexOf(0, start);
    return environment.toString('utf8', start, end === -1 ? environment.length : end);
  },
};

const FRESH_LISTING_MS = 10;

// Elsewhere (macOS, the BSDs) one `ps` run lists every process; statuses come from the latest
// listing. `ps` shows no session id here and cannot read other processes' environments.
/** The `ps`-based {@link ProcessSource} used off Linux (exported for tests, which run it on Linux too). */
export function createPsProcessSource(): ProcessSource {
  let latest = new Map<number, ProcessStatus>();
  let latestAt = Number.NEGATIVE_INFINITY;
  const read = (pid?: number): Map<number, ProcessStatus> => {
    const found = new Map<number, ProcessStatus>();
    let text: string;
    try {
      const target = pid === undefined ? ['-A'] : ['-p', String(pid)];
      text = execFileSync('ps', [...target, '-o', 'pid=,ppid=,pgid=,stat=,lstart='], { encoding: 'utf8' });
    } catch {
      return found;
    }
    for (const line of text.split('\n')) {
      const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
      if (match === null) continue;
      const [, pidText, parent, group, state, started] = match as unknown as [string, string, string, string, string, string];
      const startedAt = Date.parse(started);
      found.set(Number(pidText), {
        pid: Number(pidText),
        parentPid: Number(parent),
        groupId: Number(group),
        sessionId: 0,
        startTime: started,
        startOrder: Number.isNaN(startedAt) ? 0 : Math.floor(startedAt / 1000),
        exited: state.startsWith('Z'),
      });
    }
    return found;
  };
  return {
    listPids() {
      latest = read();
      latestAt = performance.now();
      return [...latest.keys()];
    },
    status(pid) {
      // A listing taken a moment ago is as good as a new `ps` run, and far cheaper.
      if (performance.now() - latestAt < FRESH_LISTING_MS) return latest.get(pid);
      return read(pid).get(pid);
    },
    listedStatus(pid) {
      return latest.get(pid);
    },
    environmentValue() {
      return undefined;
    },
    startOrder(startTime) {
      const parsed = Date.parse(startTime);
      return Number.isNaN(parsed) ? undefined : Math.floor(parsed / 1000);
    },
  };
}

let defaultSource: ProcessSource | undefined;

/** The process source for this platform: `/proc` on Linux, `ps` elsewhere. */
export function systemProcessSource(): ProcessSource {
  defaultSource ??= process.platform === 'linux' ? linuxSource : createPsProcessSource();
  return defaultSource;
}

/** The status of process `pid` now, or undefined when there is none. */
export function readProcessStatus(pid: number): ProcessStatus | undefined {
  return systemProcessSource().status(pid);
}
