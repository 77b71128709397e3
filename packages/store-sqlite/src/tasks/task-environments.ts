import { createHash } from 'node:crypto';
import type { PreparedStatements } from '../database/prepared-statements.js';

type Variables = Readonly<Record<string, string>>;

// One environment object is usually given for a whole batch: encoded and hashed once.
const encoded = new WeakMap<Variables, { readonly json: string; readonly digest: string }>();

function encode(variables: Variables): { readonly json: string; readonly digest: string } {
  let entry = encoded.get(variables);
  if (entry === undefined) {
    const json = JSON.stringify(Object.fromEntries(Object.entries(variables).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    entry = { json, digest: createHash('sha256').update(json).digest('hex') };
    encoded.set(variables, entry);
  }
  return entry;
}

/**
 * Stores the environment a task was submitted with, inside the transaction that creates the
 * task: the host that claims it can never find it without its environment. Tasks with the same
 * variables share one stored copy.
 */
export function storeTaskEnvironment(sql: PreparedStatements, taskId: string, variables: Variables): void {
  const { json, digest } = encode(variables);
  sql.run(
    'environments.insert',
    'INSERT INTO environments (digest, variables) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING',
    digest,
    json,
  );
  const row = sql.get<{ id: number }>('environments.byDigest', 'SELECT id FROM environments WHERE digest = ?', digest);
  sql.run('taskEnvironments.insert', 'INSERT INTO task_environments (task_id, environment_id) VALUES (?, ?)', taskId, row?.id);
}

/** The environment a task was submitted with; undefined for one stored without. */
export function readTaskEnvironment(sql: PreparedStatements, taskId: string): Record<string, string> | undefined {
  const row = sql.get<{ variables: string }>(
    'taskEnvironments.byTask',
    `SELECT e.variables FROM task_environments AS t JOIN environments AS e ON e.id = t.environment_id WHERE t.task_id = ?`,
    taskId,
  );
  return row === undefined ? undefined : (JSON.parse(row.variables) as Record<string, string>);
}
