import { AGENT_KINDS, type AgentKind, TASK_ORDERS, TASK_STATUSES, type TaskOrder, type TaskQuery, type TaskStatus } from '@claudine/core';
import { parseDuration } from '@claudine/runtime';

/** Rows per page of the tasks table, unless the page asks for another size. */
export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

/** What `GET /api/tasks` was asked for. */
export interface TaskListRequest {
  readonly query: TaskQuery;
  /** Text to search ids, prompts and labels for ('' for none). */
  readonly search: string;
}

/**
 * Reads the tasks table's URL parameters, the same ones the page keeps in its own address so a
 * view can be shared: `state` (comma-separated), `label` (comma-separated, all required),
 * `agent`, `since` (a duration back from `now`: `30m`, `24h`, `7d`), `sort` (created, priority,
 * status, duration), `dir` (`asc` turns the sort round), `q`, `cursor`, `limit`. Returns the
 * request, or a message saying which parameter is wrong and what it takes.
 */
export function parseTaskListParameters(parameters: URLSearchParams, now: number): TaskListRequest | { readonly error: string } {
  const states = list(parameters.get('state'));
  const unknownState = states.find((state) => !(TASK_STATUSES as readonly string[]).includes(state));
  if (unknownState !== undefined) return { error: `state "${unknownState}" is not a task state: use ${TASK_STATUSES.join(', ')}.` };
  const agent = parameters.get('agent') ?? '';
  if (agent !== '' && !(AGENT_KINDS as readonly string[]).includes(agent)) {
    return { error: `agent "${agent}" is not an agent: use ${AGENT_KINDS.join(', ')}.` };
  }
  const sort = parameters.get('sort') ?? '';
  if (sort !== '' && !(TASK_ORDERS as readonly string[]).includes(sort)) {
    return { error: `sort "${sort}" is not an order: use ${TASK_ORDERS.join(', ')}.` };
  }
  const direction = parameters.get('dir') ?? '';
  if (direction !== '' && direction !== 'asc' && direction !== 'desc') return { error: `dir "${direction}" is not asc or desc.` };
  const since = parameters.get('since') ?? '';
  const sinceMs = since === '' ? undefined : parseDuration(since);
  if (sinceMs === undefined && since !== '') return { error: `since "${since}" is not a duration: use e.g. 30m, 24h or 7d.` };
  const cursor = wholeNumber(parameters.get('cursor'));
  if (cursor === null) return { error: 'cursor is not a page cursor: use the nextCursor of the previous page.' };
  const limit = wholeNumber(parameters.get('limit'));
  if (limit === null || (limit !== undefined && (limit < 1 || limit > MAX_PAGE_SIZE))) {
    return { error: `limit takes a number of rows from 1 to ${MAX_PAGE_SIZE}.` };
  }
  const labels = list(parameters.get('label'));
  const query: TaskQuery = {
    ...(states.length === 0 ? {} : { statuses: states as TaskStatus[] }),
    ...(agent === '' ? {} : { agent: agent as AgentKind }),
    ...(labels.length === 0 ? {} : { labels }),
    ...(sinceMs === undefined ? {} : { createdAfter: now - sinceMs }),
    ...(sort === '' ? {} : { order: sort as TaskOrder }),
    ...(direction === 'asc' ? { reverse: true } : {}),
    ...(cursor === undefined ? {} : { cursor }),
    limit: limit ?? DEFAULT_PAGE_SIZE,
    now,
  };
  return { query, search: (parameters.get('q') ?? '').trim() };
}

function list(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

// undefined: absent; null: present but not a whole number.
function wholeNumber(value: string | null): number | undefined | null {
  if (value === null || value === '') return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : null;
}
