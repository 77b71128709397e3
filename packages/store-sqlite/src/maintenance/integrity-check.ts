import { statSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION } from '../migrations/index.js';

/** What `PRAGMA integrity_check` and friends found. */
export interface IntegrityReport {
  readonly ok: boolean;
  /** Problems found; empty when ok. */
  readonly problems: readonly string[];
  /** 0 when it could not be read (a problem says why). */
  readonly schemaVersion: number;
  readonly latestSchemaVersion: number;
  /** 0 when they could not be counted (a problem says why). */
  readonly tasks: number;
  readonly databaseBytes: number;
  readonly walBytes: number;
}

/**
 * Checks the database: SQLite's own integrity check (every page, index and constraint),
 * foreign keys, and Claudine's invariants (no running task without an owner; dependency
 * counters that match the edges; both directions of every edge present, pointing at tasks). A damaged file is reported, never thrown on: what
 * SQLite's check finds is the answer, and each check that cannot run is one more problem.
 */
export function checkIntegrity(db: BetterSqlite3.Database, path: string): IntegrityReport {
  const problems = sqliteIntegrityProblems(db);
  // Claudine's invariants mean nothing in a file SQLite found damaged, and reading it fails.
  const damaged = problems.length > 0;
  function attempt<T>(what: string, read: () => T, fallback: T): T {
    try {
      return read();
    } catch (error) {
      if (!damaged) problems.push(`could not ${what}: ${(error as Error).message}`);
      return fallback;
    }
  }
  if (!damaged) {
    const foreign = attempt(
      'check foreign keys',
      () => db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>,
      [],
    );
    for (const row of foreign) problems.push(`${row.table} row ${row.rowid} points at a missing ${row.parent} row`);
    const ownerless = attempt(
      'look for running tasks without an owner',
      () => db.prepare("SELECT id FROM tasks WHERE status = 'running' AND owner IS NULL").all() as Array<{ id: string }>,
      [],
    );
    for (const row of ownerless) problems.push(`task ${row.id} is running but has no owner`);
    const miscounted = attempt(
      'compare dependency counters with the dependency table',
      () =>
        db
          .prepare(
            `SELECT t.id, t.pending_dependencies AS recorded,
               -- The unary + keeps the planner off the status index: through it, each queued task
               -- would walk every queued task instead of reading its few dependencies by seq.
               (SELECT COUNT(*) FROM json_each(t.dependency_seqs) AS d JOIN tasks AS p ON p.seq = d.value
                WHERE +p.status IN ('queued', 'running')) AS unfinished
             FROM tasks AS t WHERE t.status = 'queued' AND recorded != unfinished`,
          )
          .all() as Array<{ id: string; recorded: number; unfinished: number }>,
      [],
    );
    for (const row of miscounted) {
      problems.push(`task ${row.id} waits on ${row.recorded} dependencies but ${row.unfinished} are unfinished`);
    }
    for (const problem of attempt('compare the two directions of the dependency edges', () => edgeProblems(db), [])) problems.push(problem);
    const identities = attempt(
      "read the database's identity",
      () => (db.prepare('SELECT COUNT(*) AS n FROM store_identity').get() as { n: number }).n,
      1,
    );
    if (identities !== 1) problems.push(`the database has ${identities} identities instead of one (table store_identity)`);
  }
  const version = attempt(
    'read the schema version',
    () => (db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null }).version ?? 0,
    0,
  );
  const tasks = attempt('count tasks', () => (db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n, 0);
  return {
    ok: problems.length === 0,
    problems,
    schemaVersion: version,
    latestSchemaVersion: LATEST_SCHEMA_VERSION,
    tasks,
    databaseBytes: fileSize(path),
    walBytes: fileSize(`${path}-wal`),
  };
}

/**
 * Edges that the two directions disagree on, or that point at no task. A task's dependencies
 * live in its row and the reverse lookups in `task_dependents` (migration 11; a view of two
 * tables since migration 13), with no foreign key between them: a finish misses a dependent whose reverse edge is gone, so both are compared.
 */
function edgeProblems(db: BetterSqlite3.Database): string[] {
  const problems: string[] = [];
  const dangling = db
    .prepare(
      `SELECT t.id, d.value AS seq FROM tasks AS t, json_each(t.dependency_seqs) AS d
       WHERE NOT EXISTS (SELECT 1 FROM tasks AS u WHERE u.seq = d.value)`,
    )
    .all() as Array<{ id: string; seq: number }>;
  for (const row of dangling) problems.push(`task ${row.id} depends on task seq ${row.seq}, which does not exist`);
  const unmirrored = db
    .prepare(
      `SELECT t.id, u.id AS dependency FROM tasks AS t, json_each(t.dependency_seqs) AS d JOIN tasks AS u ON u.seq = d.value
       WHERE NOT EXISTS (SELECT 1 FROM task_dependents AS r WHERE r.depends_on_seq = d.value AND r.task_seq = t.seq)`,
    )
    .all() as Array<{ id: string; dependency: string }>;
  for (const row of unmirrored) {
    problems.push(
      `task ${row.id} depends on ${row.dependency}, but task_dependents lacks that edge: finishing ${row.dependency} would not release it`,
    );
  }
  const orphans = db
    .prepare(
      `SELECT r.depends_on_seq AS dependencySeq, r.task_seq AS taskSeq, u.id AS dependency, t.id AS dependent
       FROM task_dependents AS r LEFT JOIN tasks AS u ON u.seq = r.depends_on_seq LEFT JOIN tasks AS t ON t.seq = r.task_seq
       WHERE t.seq IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(t.dependency_seqs) AS d WHERE d.value = r.depends_on_seq)`,
    )
    .all() as Array<{ dependencySeq: number; taskSeq: number; dependency: string | null; dependent: string | null }>;
  for (const row of orphans) {
    const dependent = row.dependent ?? `seq ${row.taskSeq} (no such task)`;
    const dependency = row.dependency ?? `seq ${row.dependencySeq} (no such task)`;
    problems.push(`task_dependents has task ${dependent} waiting for task ${dependency}, but the task's row does not list that dependency`);
  }
  // The view reads both tables of migration 13: an edge in both would be listed twice.
  const doubled = db
    .prepare(
      `SELECT t.id, u.id AS dependency FROM task_dependents_merged AS m
       JOIN task_dependents_recent AS r ON r.depends_on_seq = m.depends_on_seq AND r.task_seq = m.task_seq
       LEFT JOIN tasks AS t ON t.seq = m.task_seq LEFT JOIN tasks AS u ON u.seq = m.depends_on_seq`,
    )
    .all() as Array<{ id: string | null; dependency: string | null }>;
  for (const row of doubled) {
    problems.push(`the edge of task ${row.id} on ${row.dependency} is in both task_dependents_merged and task_dependents_recent`);
  }
  return problems;
}

/**
 * What SQLite's own integrity check finds. It stops with an error at damage it cannot read past
 * ("database disk image is malformed"); each table is then checked on its own (with its
 * indexes), so the report says which tables are damaged and what the others hold.
 */
function sqliteIntegrityProblems(db: BetterSqlite3.Database): string[] {
  const findings = (table?: string): string[] =>
    (
      db.pragma(table === undefined ? 'integrity_check' : `integrity_check(${quoteIdentifier(table)})`) as Array<{
        integrity_check: string;
      }>
    )
      .map((row) => row.integrity_check)
      .filter((finding) => finding !== 'ok');
  try {
    return findings();
  } catch (whole) {
    let tables: string[];
    try {
      tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    } catch (error) {
      return [
        `SQLite's integrity check stopped: ${(whole as Error).message}; even the list of tables cannot be read (${(error as Error).message})`,
      ];
    }
    const problems: string[] = [];
    for (const table of tables) {
      try {
        for (const finding of findings(table)) problems.push(`table ${table}: ${finding}`);
      } catch (error) {
        problems.push(`table ${table} (or one of its indexes) is damaged: ${(error as Error).message}`);
      }
    }
    if (problems.length === 0) problems.push(`SQLite's integrity check stopped: ${(whole as Error).message}`);
    return problems;
  }
}

// A name read from the schema, quoted for the one place a statement cannot bind it (a pragma).
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The size of a file, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
