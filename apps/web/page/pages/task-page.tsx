import type { TaskMetrics } from '@claudine/core';
import { useState } from 'preact/hooks';
import type { TaskDetailResponse, TaskView } from '../../src/api-types.js';
import { ApiError, getJson, postJson } from '../api.js';
import { useNow } from '../clock.js';
import { ChangesPanel } from '../components/changes-panel.js';
import { Link } from '../components/link.js';
import { LogView } from '../components/log-view.js';
import { ResourceCharts } from '../components/resource-charts.js';
import { StateBadge } from '../components/state-badge.js';
import { formatBytes, formatCost, formatCount, formatDuration, formatTime, runTime } from '../format.js';
import { useLiveData } from '../live.js';
import { navigate } from '../router.js';

interface ActionResult {
  readonly id: string;
  readonly status: string;
  readonly message: string;
}

/** One task: what it was asked, where it stands, its live log, what it used, and what can be done. */
export function TaskPage(props: { readonly id: string }) {
  const detail = useLiveData<TaskDetailResponse>((signal) => getJson(`/api/tasks/${props.id}`, signal), props.id);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [resuming, setResuming] = useState(false);
  const [instructions, setInstructions] = useState('');
  const data = detail.data;
  const now = useNow(data?.task.status === 'running');

  if (data === undefined) {
    return (
      <div class="page">
        <Link href="/tasks" class="back">
          ← Tasks
        </Link>
        {detail.error === undefined ? <div class="empty muted">Loading…</div> : <div class="notice error">{detail.error.message}</div>}
      </div>
    );
  }
  const { task, actions } = data;

  const act = async (verb: 'cancel' | 'retry' | 'resume', body: unknown = {}): Promise<void> => {
    setBusy(true);
    try {
      const result = await postJson<ActionResult>(`/api/tasks/${task.id}/${verb}`, body);
      setNotice({ kind: 'success', text: result.message });
      if (verb === 'resume') {
        setResuming(false);
        setInstructions('');
        navigate(`/tasks/${result.id}`);
      } else detail.reload();
    } catch (error) {
      setNotice({ kind: 'error', text: error instanceof ApiError ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const latest = data.metrics[data.metrics.length - 1];
  const duration = runTime(task.startedAt, task.finishedAt, now);
  const tokens =
    task.usage === null
      ? null
      : task.usage.inputTokens + task.usage.outputTokens + task.usage.cacheReadInputTokens + task.usage.cacheCreationInputTokens;
  const cost =
    data.metrics.reduce<number | null>((sum, attempt) => (attempt.costUsd === null ? sum : (sum ?? 0) + attempt.costUsd), null) ??
    task.costUsd;

  return (
    <div class="page" data-testid="task-page" data-task-id={task.id} data-state={task.state}>
      <Link href="/tasks" class="back">
        ← Tasks
      </Link>
      <div class="page-header task-header">
        <div class="task-heading">
          <div class="task-heading-line">
            <StateBadge state={task.state} />
            <span class="mono muted">{task.id}</span>
            <span class={`agent agent-${task.agent}`}>{task.agent}</span>
            <span class={`priority priority-${task.priority}`}>{task.priority}</span>
            {task.labels.map((label) => (
              <span key={label} class="tag label">
                {label}
              </span>
            ))}
          </div>
          <h1 class="task-title-large">{firstLine(task.prompt)}</h1>
        </div>
        <span class="spacer" />
        <div class="button-row">
          {data.workflowSize > 1 ? (
            <Link href={`/workflows/${task.id}`} class="button">
              Workflow · {data.workflowSize} tasks
            </Link>
          ) : null}
          {actions.resume ? (
            <button type="button" class="button" disabled={busy} onClick={() => setResuming(!resuming)}>
              Resume…
            </button>
          ) : null}
          {actions.retry ? (
            <button type="button" class="button primary" disabled={busy} onClick={() => void act('retry')}>
              Retry
            </button>
          ) : null}
          {actions.cancel ? (
            <button type="button" class="button danger" disabled={busy} onClick={() => void act('cancel')}>
              Cancel
            </button>
          ) : null}
        </div>
      </div>

      {notice === null ? null : (
        <div class={`notice ${notice.kind}`} role="status">
          {notice.text}
        </div>
      )}
      <Outcome task={task} />

      {resuming ? (
        <form
          class="card resume-form"
          onSubmit={(event) => {
            event.preventDefault();
            void act('resume', { instructions });
          }}
        >
          <h2>Resume the session with new instructions</h2>
          <p class="muted">A new claude task continues this conversation ({task.sessionId}) in the same directory.</p>
          <textarea
            class="input"
            rows={4}
            value={instructions}
            placeholder="What should the agent do next?"
            onInput={(event) => setInstructions((event.target as HTMLTextAreaElement).value)}
          />
          <div class="button-row">
            <button type="submit" class="button primary" disabled={busy || instructions.trim() === ''}>
              Resume
            </button>
            <button type="button" class="button ghost" onClick={() => setResuming(false)}>
              Close
            </button>
          </div>
        </form>
      ) : null}

      <div class="tiles">
        <Tile
          label="Run time"
          value={duration === null ? '–' : formatDuration(duration)}
          hint={task.startedAt === null ? 'not started' : `timeout ${formatDuration(task.timeoutMs)}`}
        />
        <Tile
          label="Attempt"
          value={task.attempt === 0 ? '–' : String(task.attempt)}
          hint={`${task.maxRetries} retr${task.maxRetries === 1 ? 'y' : 'ies'} allowed`}
        />
        <Tile
          label="Cost"
          value={formatCost(cost)}
          hint={task.turns === null ? (task.agent === 'claude' ? 'as reported by claude' : 'not reported') : `${task.turns} turns`}
        />
        <Tile
          label="Tokens"
          value={tokens === null ? '–' : formatCount(tokens)}
          hint={
            task.usage === null ? 'not reported' : `${formatCount(task.usage.inputTokens)} in · ${formatCount(task.usage.outputTokens)} out`
          }
        />
        <Tile
          label="CPU time"
          value={latest === undefined ? '–' : cpuTime(latest)}
          hint={latest?.live === true ? 'so far' : 'last attempt'}
        />
        <Tile
          label="Peak memory"
          value={formatBytes(latest?.memoryPeakBytes ?? null)}
          hint={latest?.memoryAverageBytes == null ? '' : `average ${formatBytes(latest.memoryAverageBytes)}`}
        />
      </div>

      <div class="task-grid">
        <div class="task-main">
          <section class="card">
            <header class="card-header">
              <h2>Prompt</h2>
            </header>
            <pre class="prompt" data-testid="prompt">
              {task.prompt}
            </pre>
          </section>
          {task.resultText === null ? null : (
            <section class="card">
              <header class="card-header">
                <h2>Result</h2>
              </header>
              <pre class="prompt">{task.resultText}</pre>
            </section>
          )}
          <section class="card">
            <header class="card-header">
              <h2>Log</h2>
              {task.outputTruncated ? <span class="tag warn">output truncated</span> : null}
            </header>
            <LogView taskId={task.id} running={task.status === 'running' || task.status === 'queued'} />
          </section>
          {data.worktree === null ? null : (
            <ChangesPanel
              taskId={task.id}
              worktree={data.worktree}
              finished={task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled'}
            />
          )}
        </div>
        <div class="task-side">
          <section class="card">
            <header class="card-header">
              <h2>Resources</h2>
            </header>
            <ResourceCharts data={data} />
          </section>
          <section class="card">
            <header class="card-header">
              <h2>Details</h2>
            </header>
            <dl class="details">
              <dt>Working directory</dt>
              <dd class="mono">{task.cwd}</dd>
              {task.model === null ? null : (
                <>
                  <dt>Model</dt>
                  <dd>{task.model}</dd>
                </>
              )}
              <dt>Created</dt>
              <dd>{formatTime(task.createdAt)}</dd>
              <dt>Started</dt>
              <dd>{formatTime(task.startedAt)}</dd>
              <dt>Finished</dt>
              <dd>{formatTime(task.finishedAt)}</dd>
              {task.exitCode === null && task.signal === null ? null : (
                <>
                  <dt>Exit</dt>
                  <dd>{task.signal === null ? `code ${task.exitCode}` : `signal ${task.signal}`}</dd>
                </>
              )}
              {task.dependsOn.length === 0 ? null : (
                <>
                  <dt>Depends on</dt>
                  <dd>
                    {task.dependsOn.map((id) => (
                      <Link key={id} href={`/tasks/${id}`} class={`mono dep ${task.blockedBy.includes(id) ? 'waiting' : ''}`}>
                        {id}
                      </Link>
                    ))}
                    <div class="muted small">if one fails: {task.dependencyPolicy}</div>
                  </dd>
                </>
              )}
              {task.sessionId === null ? null : (
                <>
                  <dt>Session</dt>
                  <dd class="mono small">{task.sessionId}</dd>
                </>
              )}
              {task.environmentNames.length === 0 ? null : (
                <>
                  <dt>Environment</dt>
                  <dd class="mono small">{task.environmentNames.join(', ')}</dd>
                </>
              )}
            </dl>
          </section>
          <section class="card">
            <header class="card-header">
              <h2>Attempts</h2>
            </header>
            {data.attempts.length === 0 ? (
              <p class="muted">Not started yet.</p>
            ) : (
              <table class="small-table">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Started</th>
                    <th>Took</th>
                    <th>Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {data.attempts.map((attempt) => (
                    <tr key={attempt.attempt}>
                      <td>{attempt.attempt}</td>
                      <td title={formatTime(attempt.startedAt)}>{new Date(attempt.startedAt).toLocaleTimeString()}</td>
                      <td>{formatDuration((attempt.finishedAt ?? now) - attempt.startedAt)}</td>
                      <td title={attempt.detail ?? ''}>
                        {attempt.outcome ?? 'running'}
                        {attempt.failureReason === null ? '' : ` · ${attempt.failureReason.replaceAll('_', ' ')}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      </div>
    </div>
  );
}

function Outcome(props: { readonly task: TaskView }) {
  const { task } = props;
  if (task.state === 'blocked') {
    return (
      <div class="notice info">
        Waiting for {task.blockedBy.length === 1 ? 'a dependency' : `${task.blockedBy.length} dependencies`}: {task.blockedBy.join(', ')}.
      </div>
    );
  }
  if (task.status === 'running' && task.cancelRequestedAt !== null)
    return <div class="notice info">Stopping: cancel was requested {formatTime(task.cancelRequestedAt)}.</div>;
  if (task.status !== 'failed' && task.status !== 'cancelled')
    return task.statusDetail === null ? null : <div class="notice info">{task.statusDetail}</div>;
  const reason = task.failureReason === null ? task.status : task.failureReason.replaceAll('_', ' ');
  return (
    <div class={`notice ${task.status === 'failed' ? 'error' : 'muted-notice'}`} data-testid="failure">
      <strong>{task.status === 'failed' ? 'Failed' : 'Cancelled'}</strong> · {reason}
      {task.statusDetail === null ? null : <span> — {task.statusDetail}</span>}
    </div>
  );
}

function Tile(props: { readonly label: string; readonly value: string; readonly hint: string }) {
  return (
    <div class="tile">
      <div class="tile-label">{props.label}</div>
      <div class="tile-value">{props.value}</div>
      <div class="tile-hint">{props.hint}</div>
    </div>
  );
}

function cpuTime(metrics: TaskMetrics): string {
  if (metrics.cpuUserMs === null && metrics.cpuSystemMs === null) return '–';
  return formatDuration((metrics.cpuUserMs ?? 0) + (metrics.cpuSystemMs ?? 0));
}

function firstLine(prompt: string): string {
  const line = prompt.trim().split('\n')[0] ?? '';
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}
