import type { SystemSnapshot } from '@claudine/core';
import type { SystemResponse } from '../../src/api-types.js';
import { getJson } from '../api.js';
import { TimeChart } from '../components/chart.js';
import { Link } from '../components/link.js';
import { formatBytes, formatCost, formatDuration } from '../format.js';
import { useLiveData } from '../live.js';

/** The system: what runs and waits, throughput, the machine over the last day, spending per day. */
export function SystemPage() {
  // Measuring the machine's CPU "now" takes a moment on the server: not more than every 2 s.
  const system = useLiveData<SystemResponse>((signal) => getJson('/api/system', signal), 'system', 2000);
  const data = system.data;
  if (data === undefined) {
    return (
      <div class="page">
        <div class="page-header">
          <h1>System</h1>
        </div>
        {system.error === undefined ? <div class="empty muted">Loading…</div> : <div class="notice error">{system.error.message}</div>}
      </div>
    );
  }
  const { snapshot, budget } = data;
  const history = data.history;
  const memoryTotal = snapshot.machineMemoryTotalBytes;
  const budgetShare = budget.dailyUsd === null ? null : Math.min(1, budget.spentTodayUsd / budget.dailyUsd);
  return (
    <div class="page" data-testid="system-page">
      <div class="page-header">
        <h1>System</h1>
        <span class={`tag ${data.host.running ? 'ok' : ''}`}>
          {data.host.running
            ? `host running · pid ${data.host.pid} on ${data.host.hostname}`
            : 'no host running (one starts when work comes)'}
        </span>
      </div>
      <div class="tiles">
        <Stat label="Running" value={String(snapshot.running)} href="/tasks?state=running" />
        <Stat
          label="Queued"
          value={String(snapshot.queued)}
          hint={snapshot.blocked > 0 ? `${snapshot.blocked} blocked by dependencies` : 'ready to run'}
          href="/tasks?state=queued"
        />
        <Stat label="Finished, last hour" value={String(snapshot.finishedLastHour)} hint="throughput" />
        <Stat
          label="Run time, last hour"
          value={snapshot.durationAverageMs === null ? '–' : formatDuration(snapshot.durationAverageMs)}
          hint={snapshot.durationP95Ms === null ? 'average' : `average · p95 ${formatDuration(snapshot.durationP95Ms)}`}
        />
        <Stat
          label="Failed"
          value={String(snapshot.failed)}
          hint={`${snapshot.completed} completed · ${snapshot.cancelled} cancelled`}
          href="/tasks?state=failed"
        />
        <Stat
          label="Machine"
          value={snapshot.machineCpuPercent === null ? '–' : `${Math.round(snapshot.machineCpuPercent)}% CPU`}
          hint={`${snapshot.machineCpuCores} cores · ${formatBytes(snapshot.machineMemoryUsedBytes)} of ${formatBytes(memoryTotal)}`}
        />
      </div>

      <section class="card budget-card">
        <header class="card-header">
          <h2>Spending</h2>
          <span class="spacer" />
          <span class="muted">
            today {formatCost(budget.spentTodayUsd)}
            {budget.dailyUsd === null ? ' · no daily budget (budget.daily)' : ` of ${formatCost(budget.dailyUsd)} daily budget`}
            {budget.perTaskUsd === null ? '' : ` · ${formatCost(budget.perTaskUsd)} per task`}
          </span>
        </header>
        {budgetShare === null ? null : (
          <div
            class={`meter ${budget.exhausted ? 'exhausted' : budgetShare > 0.8 ? 'warn' : ''}`}
            title={`${Math.round(budgetShare * 100)}% of today's budget`}
          >
            <div class="meter-fill" style={{ width: `${budgetShare * 100}%` }} />
          </div>
        )}
        {budget.exhausted ? <p class="notice error">The daily budget is spent: new claude tasks wait until midnight.</p> : null}
        <TimeChart
          testId="spending-chart"
          height={170}
          times={data.spending.map((day) => day.day + 12 * 3_600_000)}
          series={[
            {
              label: 'Spent',
              colour: '#7c3aed',
              values: data.spending.map((day) => day.costUsd),
              bars: true,
              format: (value) => formatCost(value),
            },
            ...(budget.dailyUsd === null
              ? []
              : [
                  {
                    label: 'Daily budget',
                    colour: '#dc2626',
                    values: data.spending.map(() => budget.dailyUsd),
                    dashed: true,
                    format: (value: number) => formatCost(value),
                  },
                ]),
          ]}
        />
      </section>

      <div class="chart-grid">
        {HISTORY_CARDS.map((card) => (
          <HistoryCard key={card.testId} {...card} history={history} />
        ))}
      </div>
      {snapshot.missing.length === 0 ? null : (
        <p class="muted small">Not measured here: {snapshot.missing.map((entry) => `${entry.figure} (${entry.reason})`).join('; ')}.</p>
      )}
    </div>
  );
}

function Stat(props: { readonly label: string; readonly value: string; readonly hint?: string; readonly href?: string }) {
  const body = (
    <>
      <div class="tile-label">{props.label}</div>
      <div class="tile-value">{props.value}</div>
      <div class="tile-hint">{props.hint ?? ''}</div>
    </>
  );
  return props.href === undefined ? (
    <div class="tile">{body}</div>
  ) : (
    <Link href={props.href} class="tile link-tile">
      {body}
    </Link>
  );
}

/** A figure of the system snapshots, drawn as one line of a history chart. */
interface HistoryLine {
  readonly label: string;
  readonly colour: string;
  readonly figure: { [K in keyof SystemSnapshot]: SystemSnapshot[K] extends number | null ? K : never }[keyof SystemSnapshot];
  readonly fill?: boolean;
  readonly format: (value: number) => string;
}

/** What a history card charts: figures of the host's snapshots, under a title. */
interface HistoryCardSpec {
  readonly title: string;
  readonly note: string;
  readonly testId: string;
  readonly lines: readonly HistoryLine[];
  readonly empty?: string;
  readonly yMax?: number;
}

/** The charts of the system over the last day, in the order the page shows them. */
const HISTORY_CARDS: readonly HistoryCardSpec[] = [
  {
    title: 'Machine CPU',
    note: 'last 24 hours',
    testId: 'cpu-history',
    empty: 'No history yet: the host records it while it runs (metrics.snapshotInterval).',
    yMax: 100,
    lines: [
      { label: 'Machine', colour: '#4f46e5', figure: 'machineCpuPercent', fill: true, format: percent },
      { label: 'Host (of one core)', colour: '#f59e0b', figure: 'hostCpuPercent', format: percent },
    ],
  },
  {
    title: 'Machine memory',
    note: 'last 24 hours',
    testId: 'memory-history',
    lines: [
      { label: 'Used', colour: '#0891b2', figure: 'machineMemoryUsedBytes', fill: true, format: formatBytes },
      { label: 'Host', colour: '#f59e0b', figure: 'hostMemoryBytes', format: formatBytes },
    ],
  },
  {
    title: 'Tasks',
    note: 'running and queued',
    testId: 'tasks-history',
    lines: [
      { label: 'Running', colour: '#2563eb', figure: 'running', fill: true, format: count },
      { label: 'Queued', colour: '#94a3b8', figure: 'queued', format: count },
    ],
  },
  {
    title: 'Throughput',
    note: 'tasks finished in the hour before',
    testId: 'throughput-history',
    lines: [{ label: 'Finished / h', colour: '#16a34a', figure: 'finishedLastHour', fill: true, format: count }],
  },
];

/** A card charting figures of the host's snapshots over time, once there are two of them. */
function HistoryCard(props: HistoryCardSpec & { readonly history: readonly SystemSnapshot[] }) {
  const { history } = props;
  return (
    <section class="card">
      <header class="card-header">
        <h2>{props.title}</h2>
        <span class="muted">{props.note}</span>
      </header>
      {history.length < 2 ? (
        <p class="muted">{props.empty ?? 'No history yet.'}</p>
      ) : (
        <div class="charts">
          <TimeChart
            testId={props.testId}
            times={history.map((point) => point.at)}
            {...(props.yMax === undefined ? {} : { yMax: props.yMax })}
            series={props.lines.map(({ figure, ...line }) => ({ ...line, values: history.map((point) => point[figure]) }))}
          />
        </div>
      )}
    </section>
  );
}

function percent(value: number): string {
  return `${Math.round(value)}%`;
}

function count(value: number): string {
  return String(Math.round(value));
}
