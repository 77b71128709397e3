import type { SystemSnapshot } from '@claudine/core';
import type { ComponentChildren } from 'preact';
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
  const times = history.map((point) => point.at);
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
        <section class="card">
          <header class="card-header">
            <h2>Machine CPU</h2>
            <span class="muted">last 24 hours</span>
          </header>
          <History history={history} empty="No history yet: the host records it while it runs (metrics.snapshotInterval).">
            <TimeChart
              testId="cpu-history"
              times={times}
              yMax={100}
              series={[
                {
                  label: 'Machine',
                  colour: '#4f46e5',
                  values: history.map((point) => point.machineCpuPercent),
                  fill: true,
                  format: (value) => `${Math.round(value)}%`,
                },
                {
                  label: 'Host (of one core)',
                  colour: '#f59e0b',
                  values: history.map((point) => point.hostCpuPercent),
                  format: (value) => `${Math.round(value)}%`,
                },
              ]}
            />
          </History>
        </section>
        <section class="card">
          <header class="card-header">
            <h2>Machine memory</h2>
            <span class="muted">last 24 hours</span>
          </header>
          <History history={history} empty="No history yet.">
            <TimeChart
              testId="memory-history"
              times={times}
              series={[
                {
                  label: 'Used',
                  colour: '#0891b2',
                  values: history.map((point) => point.machineMemoryUsedBytes),
                  fill: true,
                  format: (value) => formatBytes(value),
                },
                {
                  label: 'Host',
                  colour: '#f59e0b',
                  values: history.map((point) => point.hostMemoryBytes),
                  format: (value) => formatBytes(value),
                },
              ]}
            />
          </History>
        </section>
        <section class="card">
          <header class="card-header">
            <h2>Tasks</h2>
            <span class="muted">running and queued</span>
          </header>
          <History history={history} empty="No history yet.">
            <TimeChart
              testId="tasks-history"
              times={times}
              series={[
                {
                  label: 'Running',
                  colour: '#2563eb',
                  values: history.map((point) => point.running),
                  fill: true,
                  format: (value) => String(Math.round(value)),
                },
                {
                  label: 'Queued',
                  colour: '#94a3b8',
                  values: history.map((point) => point.queued),
                  format: (value) => String(Math.round(value)),
                },
              ]}
            />
          </History>
        </section>
        <section class="card">
          <header class="card-header">
            <h2>Throughput</h2>
            <span class="muted">tasks finished in the hour before</span>
          </header>
          <History history={history} empty="No history yet.">
            <TimeChart
              testId="throughput-history"
              times={times}
              series={[
                {
                  label: 'Finished / h',
                  colour: '#16a34a',
                  values: history.map((point) => point.finishedLastHour),
                  fill: true,
                  format: (value) => String(Math.round(value)),
                },
              ]}
            />
          </History>
        </section>
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

function History(props: { readonly history: readonly SystemSnapshot[]; readonly empty: string; readonly children: ComponentChildren }) {
  return props.history.length < 2 ? <p class="muted">{props.empty}</p> : <div class="charts">{props.children}</div>;
}
