import type { AgentReport } from '@claudine/core';
import type { PreparedStatements } from '../database/prepared-statements.js';

// What a running task's report holds before its agent has said anything but its session.
const EMPTY_REPORT: AgentReport = {
  sessionId: null,
  resultText: null,
  isError: false,
  errorKind: null,
  transient: false,
  turns: null,
  costUsd: null,
  model: null,
  usage: null,
};

/**
 * Writes the session a running task's agent announced into its report, keeping the rest of the
 * report as it is (the end of the run replaces it whole). True when `owner` still holds the task.
 */
export function recordSession(sql: PreparedStatements, id: string, owner: string, sessionId: string, now: number): boolean {
  const info = sql.run(
    'tasks.recordSession',
    `UPDATE tasks SET report = json_set(COALESCE(report, ?), '$.sessionId', ?), updated_at = ?
     WHERE id = ? AND owner = ? AND status = 'running'`,
    JSON.stringify(EMPTY_REPORT),
    sessionId,
    now,
    id,
    owner,
  );
  return info.changes === 1;
}
