import type { ProcessIdentity } from '@claudine/core';
import { readProcessStatus } from './process-status.js';

/**
 * A token that identifies the process `pid` among all processes that ever had that pid: the
 * boot id and the start time in clock ticks from /proc on Linux, `ps`'s start time elsewhere.
 * Undefined when no process has the pid (or it is a zombie).
 */
export function processStartTime(pid: number, options: { includeZombies?: boolean } = {}): string | undefined {
  const status = readProcessStatus(pid);
  if (status === undefined || (status.exited && options.includeZombies !== true)) return undefined;
  return status.startTime;
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
