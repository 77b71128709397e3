import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ClaudineError } from '@claudine/core';

/** Who holds a lock file: written into it by the holder. */
export interface LockHolder {
  readonly pid: number;
  /** The holder's start time in clock ticks since boot (Linux), so a reused pid is not taken for it. */
  readonly startTime: string | null;
  readonly host: string;
  readonly token: string;
  readonly acquiredAt: number;
}

/** Options for {@link acquireLockFile}. */
export interface LockFileOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  /** What is being locked, for the timeout message. */
  readonly description: string;
}

/** A held lock; `release` is idempotent and never removes a lock someone else now holds. */
export interface HeldLockFile {
  release(): void;
}

// A holder writes its file right after creating it; an empty or unreadable file younger than
// this is a holder between the two steps, not a dead one.
const UNWRITTEN_GRACE_MS = 5_000;

/** The start time of process `pid` in clock ticks since boot, or null where /proc has none. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces and parentheses, so count after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (holder.startTime === null) return true;
  const startTime = processStartTime(holder.pid);
  return startTime === null || startTime === holder.startTime;
}

function readHolder(path: string): LockHolder | 'unwritten' | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.pid === 'number' && typeof holder.token === 'string') return holder;
  } catch {}
  return 'unwritten';
}

function ageMs(path: string): number | null {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Takes over a lock whose holder is dead: moves the file aside, and removes it only if it is
 * still the dead holder's (a live process may have taken the lock in between; its file is put
 * back). The caller then tries to create the lock again.
 */
function breakStaleLock(path: string, staleToken: string | null): void {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  const token = typeof moved === 'object' ? moved.token : null;
  if (token !== staleToken) {
    try {
      linkSync(aside, path);
    } catch {}
  }
  unlinkSync(aside);
}

/**
 * Takes the lock file at `path`, waiting while a live process holds it: created with O_EXCL,
 * holding this process's pid, start time, host name and a random token. A lock whose holder is
 * dead (its pid is gone, or now belongs to a process that started later) is broken; a holder
 * on another host is never judged dead. Throws a {@link ClaudineError} `workspace_locked` naming
 * the holder when `timeoutMs` passes.
 */
export async function acquireLockFile(path: string, options: LockFileOptions): Promise<HeldLockFile> {
  const own: LockHolder = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    host: hostname(),
    token: randomBytes(12).toString('hex'),
    acquiredAt: Date.now(),
  };
  const deadline = Date.now() + options.timeoutMs;
  let pause = 2;
  for (;;) {
    let descriptor: number | undefined;
    try {
      descriptor = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (descriptor !== undefined) {
      try {
        writeSync(descriptor, JSON.stringify({ ...own, acquiredAt: Date.now() }));
      } finally {
        closeSync(descriptor);
      }
      return { release: () => releaseLockFile(path, own.token) };
    }
    const holder = readHolder(path);
    if (holder === 'gone') continue;
    if (holder === 'unwritten') {
      const age = ageMs(path);
      if (age !== null && age > UNWRITTEN_GRACE_MS) {
        breakStaleLock(path, null);
        continue;
      }
    } else if (!isAlive(holder)) {
      breakStaleLock(path, holder.token);
      continue;
    }
    if (Date.now() >= deadline) {
      const who =
        typeof holder === 'object'
          ? `process ${holder.pid} on ${holder.host} since ${new Date(holder.acquiredAt).toISOString()}`
          : 'a process';
      throw new ClaudineError(
        'workspace_locked',
        `${options.description} has been locked by ${who} for longer than ${Math.round(options.timeoutMs / 1000)} s: wait for it to finish, or remove ${path} if that process is gone`,
        { details: { path, holder: typeof holder === 'object' ? holder : null } },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 50);
  }
}

function releaseLockFile(path: string, token: string): void {
  const holder = readHolder(path);
  if (typeof holder === 'object' && holder.token === token) {
    try {
      unlinkSync(path);
    } catch {}
  }
}
