import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ProcessIdentity } from '@claudine/core';

let bootId: string | undefined;

function readBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return bootId;
}

/**
 * A token that identifies the process `pid` among all processes that ever had that pid: the
 * boot id and the start time in clock ticks from /proc on Linux, `ps`'s start time elsewhere.
 * Undefined when no process has the pid (or it is a zombie).
 */
export function processStartTime(pid: number, options: { includeZombies?: boolean } = {}): string | undefined {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; the name may contain spaces and ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if ((fields[0] === 'Z' || fields[0] === 'X') && options.includeZombies !== true) return undefined;
      // starttime is field 22 overall, the 20th after the command name.
      return `${readBootId()}:${fields[19]}`;
    } catch {
      return undefined;
    }
  }
  try {
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return started === '' ? undefined : started;
  } catch {
    return undefined;
  }
}

/**
 * The identity of a process, or undefined if it is gone. A child that already exited but was
 * not yet reaped (a zombie) still has one: that is how a child that exits at once is identified.
 */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  const startTime = processStartTime(pid, { includeZombies: true });
  return startTime === undefined ? undefined : { pid, startTime };
}

/**
 * True when the process recorded as `identity` still runs. A different process that reused the
 * pid does not count. With no recorded start time, only the pid can be checked.
 */
export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  const current = processStartTime(identity.pid);
  if (current === undefined) return false;
  return identity.startTime === null || identity.startTime === current;
}
