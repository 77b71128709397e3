import { err, ok, type Result } from '@claudine/core';
import type { StoreContext } from '../store-context.js';

// Who runs tasks from this database: every host that registered, and the one (at most) that
// holds the data directory's lock, enforced by a unique partial index.

/** A host as registered in the store. */
export interface HostRecord {
  readonly id: string;
  readonly pid: number;
  readonly pidStartTime: string | null;
  readonly hostname: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly stoppedAt: number | null;
  readonly holdsLock: boolean;
}

/** A host about to register: what it says of itself. */
export type NewHostRecord = Omit<HostRecord, 'stoppedAt' | 'holdsLock'>;

/** Why a host could not take the data dir's lock. */
export interface HostLockRefused {
  readonly kind: 'held';
  readonly holder: HostRecord;
}

interface HostRow {
  id: string;
  pid: number;
  pid_start_time: string | null;
  hostname: string;
  started_at: number;
  heartbeat_at: number;
  stopped_at: number | null;
  holds_lock: number;
}

const HOST_COLUMNS = 'id, pid, pid_start_time, hostname, started_at, heartbeat_at, stopped_at, holds_lock';

/** See `SqliteTaskStore.acquireHostLock`. Runs in the caller's `BEGIN IMMEDIATE` transaction. */
export function acquireHostLock(
  context: StoreContext,
  host: NewHostRecord,
  isAlive: (holder: HostRecord) => boolean,
): Result<HostRecord, HostLockRefused> {
  const holder = lockHolder(context);
  if (holder !== undefined) {
    if (holder.id !== host.id && isAlive(holder)) return err({ kind: 'held', holder });
    context.sql.run(
      'hosts.releaseLock',
      'UPDATE hosts SET holds_lock = 0, stopped_at = COALESCE(stopped_at, ?) WHERE id = ?',
      host.startedAt,
      holder.id,
    );
  }
  registerHost(context, host, true);
  return ok(getHost(context, host.id) as HostRecord);
}

/** Registers (or re-registers) a host, with or without the lock. */
export function registerHost(context: StoreContext, host: NewHostRecord, holdsLock: boolean): HostRecord {
  context.sql.run(
    'hosts.upsert',
    `INSERT INTO hosts (id, pid, pid_start_time, hostname, started_at, heartbeat_at, stopped_at, holds_lock)
     VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
     ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, pid_start_time = excluded.pid_start_time,
       heartbeat_at = excluded.heartbeat_at, stopped_at = NULL, holds_lock = excluded.holds_lock`,
    host.id,
    host.pid,
    host.pidStartTime,
    host.hostname,
    host.startedAt,
    host.heartbeatAt,
    holdsLock ? 1 : 0,
  );
  return getHost(context, host.id) as HostRecord;
}

/** Marks a host stopped and frees the lock if it held it. */
export function releaseHost(context: StoreContext, id: string, now: number): void {
  context.sql.run('hosts.stop', 'UPDATE hosts SET holds_lock = 0, stopped_at = ? WHERE id = ?', now, id);
}

/**
 * Frees the lock of an idle host, only when no task is queued or running: a task submitted just
 * before is never left without a host. Runs in the caller's `BEGIN IMMEDIATE` transaction.
 */
export function releaseHostIfIdle(context: StoreContext, id: string, now: number): boolean {
  const busy = context.sql.get<{ n: number }>('tasks.busy', "SELECT 1 AS n FROM tasks WHERE status IN ('queued', 'running') LIMIT 1");
  if (busy !== undefined) return false;
  releaseHost(context, id, now);
  return true;
}

/** The registered host with this id, if any. */
export function getHost(context: StoreContext, id: string): HostRecord | undefined {
  const row = context.sql.get<HostRow>('hosts.byId', `SELECT ${HOST_COLUMNS} FROM hosts WHERE id = ?`, id);
  return row === undefined ? undefined : hostFromRow(row);
}

/** The host holding the lock, if any. */
export function lockHolder(context: StoreContext): HostRecord | undefined {
  const row = context.sql.get<HostRow>('hosts.holder', `SELECT ${HOST_COLUMNS} FROM hosts WHERE holds_lock = 1`);
  return row === undefined ? undefined : hostFromRow(row);
}

function hostFromRow(row: HostRow): HostRecord {
  return {
    id: row.id,
    pid: row.pid,
    pidStartTime: row.pid_start_time,
    hostname: row.hostname,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    stoppedAt: row.stopped_at,
    holdsLock: row.holds_lock === 1,
  };
}
