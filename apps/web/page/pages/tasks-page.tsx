import { useEffect, useState } from 'preact/hooks';
import type { DisplayState, TaskListResponse, TaskRow } from '../../src/api-types.js';
import { getJson } from '../api.js';
import { useNow } from '../clock.js';
import { Link } from '../components/link.js';
import { StateBadge } from '../components/state-badge.js';
import { formatAgo, formatCost, formatDuration, formatTime, runTime } from '../format.js';
import { useLiveData } from '../live.js';
import { navigate } from '../router.js';

const STATES = ['running', 'queued', 'completed', 'failed', 'cancelled'] as const;
const AGENTS = ['claude', 'codex', 'command'] as const;
const SINCE = [
  ['', 'Any time'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
] as const;
type Sort = 'created' | 'priority' | 'status' | 'duration';

/**
 * The tasks table. Every filter, the sort and the search live in the address (`?state=…&q=…`),
 * so a view can be bookmarked or shared; the server filters and pages, so the first screen of a
 * store of any size comes at once. It updates as tasks change.
 */
export function TasksPage(props: { readonly search: string }) {
  const parameters = new URLSearchParams(props.search);
  const states = (parameters.get('state') ?? '').split(',').filter((state) => state !== '');
  const sort = (parameters.get('sort') ?? 'created') as Sort;
  const ascending = parameters.get('dir') === 'asc';
  const query = parameters.get('q') ?? '';
  const [typed, setTyped] = useState(query);
  const [labelsTyped, setLabelsTyped] = useState(parameters.get('label') ?? '');
  const listed = useLiveData<TaskListResponse>((signal) => getJson(`/api/tasks${props.search}`, signal), props.search);

  useEffect(() => setTyped(query), [query]);
  useEffect(() => setLabelsTyped(parameters.get('label') ?? ''), [parameters.get('label')]);

  // Any change of filter starts again at the first page.
  const update = (changes: Record<string, string | null>, options: { readonly replace?: boolean } = {}): void => {
    const next = new URLSearchParams(props.search);
    next.delete('cursor');
    for (const [name, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(name);
      else next.set(name, value);
    }
    const text = next.toString();
    navigate(`/tasks${text === '' ? '' : `?${text}`}`, options);
  };

  useEffect(() => {
    if (typed === query) return;
    const timer = window.setTimeout(() => update({ q: typed.trim() }, { replace: true }), 300);
    return () => clearTimeout(timer);
  }, [typed]);

  const toggleState = (state: string): void => {
    const next = states.includes(state) ? states.filter((item) => item !== state) : [...states, state];
    update({ state: next.join(',') });
  };
  const sortBy = (column: Sort): void => {
    if (column === sort) update({ dir: ascending ? null : 'asc' });
    else update({ sort: column === 'created' ? null : column, dir: null });
  };

  const data = listed.data;
  const hasRunning = data?.tasks.some((task) => task.status === 'running') ?? false;
  const now = useNow(hasRunning);
  const cursor = parameters.get('cursor');
  const filtered = parameters.toString().replace(/(^|&)cursor=[^&]*/, '') !== '';

  return (
    <div class="page">
      <div class="page-header">
        <h1>Tasks</h1>
        <span class="spacer" />
        {filtered ? (
          <button type="button" class="button small ghost" onClick={() => navigate('/tasks')}>
            Clear filters
          </button>
        ) : null}
      </div>
      <div class="filters card">
        <fieldset class="chips" aria-label="Filter by state">
          {STATES.map((state) => (
            <button
              type="button"
              key={state}
              class={`chip state-${state} ${states.includes(state) ? 'selected' : ''}`}
              aria-pressed={states.includes(state)}
              onClick={() => toggleState(state)}
            >
              <span class="badge-dot" />
              {state}
            </button>
          ))}
        </fieldset>
        <div class="filter-fields">
          <input
            class="input search"
            type="search"
            placeholder="Search prompts, ids, labels"
            value={typed}
            aria-label="Search"
            onInput={(event) => setTyped((event.target as HTMLInputElement).value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') update({ q: typed.trim() });
            }}
          />
          <select
            class="input"
            aria-label="Agent"
            value={parameters.get('agent') ?? ''}
            onChange={(event) => update({ agent: (event.target as HTMLSelectElement).value })}
          >
            <option value="">Any agent</option>
            {AGENTS.map((agent) => (
              <option key={agent} value={agent}>
                {agent}
              </option>
            ))}
          </select>
          <input
            class="input"
            placeholder="Labels (all of)"
            aria-label="Labels"
            value={labelsTyped}
            onInput={(event) => setLabelsTyped((event.target as HTMLInputElement).value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') update({ label: labelsTyped.replaceAll(/\s+/g, '') });
            }}
            onBlur={() => {
              if (labelsTyped.replaceAll(/\s+/g, '') !== (parameters.get('label') ?? ''))
                update({ label: labelsTyped.replaceAll(/\s+/g, '') });
            }}
          />
          <select
            class="input"
            aria-label="Created"
            value={parameters.get('since') ?? ''}
            onChange={(event) => update({ since: (event.target as HTMLSelectElement).value })}
          >
            {SINCE.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {listed.error === undefined ? null : <div class="notice error">{listed.error.message}</div>}
      <div class="card table-card">
        <table class="tasks-table" data-testid="tasks-table">
          <thead>
            <tr>
              <SortHeader label="State" column="status" sort={sort} ascending={ascending} onSort={sortBy} />
              <th>Task</th>
              <th>Agent</th>
              <SortHeader label="Priority" column="priority" sort={sort} ascending={ascending} onSort={sortBy} />
              <SortHeader label="Created" column="created" sort={sort} ascending={ascending} onSort={sortBy} />
              <SortHeader label="Run time" column="duration" sort={sort} ascending={ascending} onSort={sortBy} numeric />
              <th class="numeric">Cost</th>
            </tr>
          </thead>
          <tbody>
            {data?.tasks.map((task) => (
              <Row key={task.id} task={task} now={now} />
            ))}
          </tbody>
        </table>
        {data !== undefined && data.tasks.length === 0 ? (
          <div class="empty">
            {filtered
              ? 'No task matches these filters.'
              : 'No tasks yet. Submit one with `claudine run "…"`, or from Claude Code through the MCP server.'}
          </div>
        ) : null}
        {data === undefined && listed.error === undefined ? <div class="empty muted">Loading…</div> : null}
        <div class="pager">
          <span class="muted">
            {data === undefined ? '' : `${data.tasks.length} task${data.tasks.length === 1 ? '' : 's'} on this page`}
            {data?.scanned == null ? '' : ` · searched ${data.scanned.toLocaleString('en-US')}`}
          </span>
          <span class="spacer" />
          {cursor === null ? null : (
            <button type="button" class="button small" onClick={() => update({})}>
              ← First page
            </button>
          )}
          {data?.nextCursor == null ? null : (
            <button
              type="button"
              class="button small"
              onClick={() => {
                const next = new URLSearchParams(props.search);
                next.set('cursor', String(data.nextCursor));
                navigate(`/tasks?${next.toString()}`);
              }}
            >
              Next page →
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

function SortHeader(props: {
  readonly label: string;
  readonly column: Sort;
  readonly sort: Sort;
  readonly ascending: boolean;
  readonly onSort: (column: Sort) => void;
  readonly numeric?: boolean;
}) {
  const active = props.sort === props.column;
  return (
    <th
      class={`sortable ${props.numeric === true ? 'numeric' : ''} ${active ? 'sorted' : ''}`}
      aria-sort={active ? (props.ascending ? 'ascending' : 'descending') : 'none'}
    >
      <button type="button" onClick={() => props.onSort(props.column)}>
        {props.label}
        <span class="sort-mark">{active ? (props.ascending ? '▲' : '▼') : ''}</span>
      </button>
    </th>
  );
}

function Row(props: { readonly task: TaskRow; readonly now: number }) {
  const { task } = props;
  const duration = runTime(task.startedAt, task.finishedAt, props.now);
  return (
    <tr
      data-task-id={task.id}
      data-state={task.state}
      onClick={(event) => {
        if ((event.target as HTMLElement).closest('a') === null) navigate(`/tasks/${task.id}`);
      }}
    >
      <td>
        <StateBadge state={task.state as DisplayState} />
        {task.failureReason === null ? null : <div class="reason">{task.failureReason.replaceAll('_', ' ')}</div>}
      </td>
      <td class="task-cell">
        <Link href={`/tasks/${task.id}`} class="task-title">
          {task.title}
        </Link>
        <div class="task-meta">
          <span class="mono">{task.id}</span>
          {task.attempt > 1 ? <span class="tag">attempt {task.attempt}</span> : null}
          {task.labels.map((label) => (
            <span key={label} class="tag label">
              {label}
            </span>
          ))}
        </div>
      </td>
      <td>
        <span class={`agent agent-${task.agent}`}>{task.agent}</span>
      </td>
      <td>
        <span class={`priority priority-${task.priority}`}>{task.priority}</span>
      </td>
      <td title={formatTime(task.createdAt)}>{formatAgo(task.createdAt, props.now)}</td>
      <td class="numeric">{duration === null ? '–' : formatDuration(duration)}</td>
      <td class="numeric">{formatCost(task.costUsd)}</td>
    </tr>
  );
}
