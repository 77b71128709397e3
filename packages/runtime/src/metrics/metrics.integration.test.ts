import { request } from 'node:http';
import { join } from 'node:path';
import { parsePrometheusText, prometheusValue, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { readAccessToken, rotateAccessToken } from '../config/access-token.js';
import { type ConfigInput, loadConfig } from '../config/config.js';
import { dataLayout } from '../config/data-directory.js';
import type { Host } from '../host/host.js';
import { finished, useHostFixture } from '../host/host-fixture.test-helper.js';

const fixture = useHostFixture();

async function host(overrides: ConfigInput = {}): Promise<Host> {
  const config = loadConfig({
    file: join(fixture.home, 'none.json'),
    environment: fixture.environment(),
    overrides: { ...overrides, metrics: { sampleInterval: '200ms', ...overrides.metrics } },
  }).config;
  return fixture.host({ config });
}

const client = (overrides: ConfigInput = {}): Claudine => fixture.client({ overrides });

const node = JSON.stringify(process.execPath);
const burn = (seconds: number) =>
  `${node} -e "const t = process.cpuUsage().user + ${seconds * 1e6}; let s = 0; while (process.cpuUsage().user < t) for (let i = 0; i < 1e5; i++) s = (s + i) % 7;"`;

describe.each(['auto', 'off'] as const)('a host measuring tasks with cgroups %s', (cgroups) => {
  it('shows live figures while a task runs and saves the final ones with it', async () => {
    await host({ metrics: { cgroups } });
    const claudine = client();
    const { task } = await claudine.submit({ prompt: `${burn(0.8)}; sleep 1`, agent: 'command', cwd: fixture.workdir });
    const live = await waitFor(
      async () => {
        const [attempt] = await claudine.metrics.task(task.id);
        return attempt?.live === true && (attempt.cpuUserMs ?? 0) > 100 ? attempt : undefined;
      },
      { description: 'live metrics with some CPU time', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(live).toMatchObject({ taskId: task.id, attempt: 1, agent: 'command', finishedAt: null });
    const system = await claudine.metrics.system({ windowMs: 50 });
    expect(system.running.map((entry) => entry.taskId)).toContain(task.id);
    const done = await finished(claudine, task.id);
    expect(done.status).toBe('completed');
    const [final] = await claudine.metrics.task(task.id);
    expect(final).toMatchObject({ live: false, attempt: 1, costUsd: null, inputTokens: null });
    expect(final?.finishedAt).toBeGreaterThanOrEqual(final?.startedAt ?? Number.POSITIVE_INFINITY);
    expect((final?.cpuUserMs ?? 0) + (final?.cpuSystemMs ?? 0)).toBeGreaterThan(700);
    expect(final?.wallMs).toBeGreaterThan(1000);
    expect(final?.memoryPeakBytes).toBeGreaterThan(0);
    expect(final?.processesSeen).toBeGreaterThanOrEqual(2);
    expect(final?.method).toMatch(cgroups === 'off' ? /^proc$/ : /proc$/);
  });
});

describe('metrics of tasks run by a host', () => {
  it('records what claude reported: tokens, cost, turns and model from its stream-json', async () => {
    await host();
    const claudine = client();
    const { task } = await claudine.submit({
      prompt: 'Do it [[fake: say thinking; tool Bash; cost 0.0421; succeed Done]]',
      agent: 'claude',
      agentOptions: { model: 'claude-sonnet-test' },
      cwd: fixture.workdir,
    });
    await finished(claudine, task.id);
    const [metrics] = await claudine.metrics.task(task.id);
    expect(metrics).toMatchObject({ agent: 'claude', costUsd: 0.0421, turns: 3, model: 'claude-sonnet-test', cacheReadTokens: 1000 });
    expect(metrics?.inputTokens).toBeGreaterThan(100);
    expect(metrics?.outputTokens).toBeGreaterThan(0);
    await expect(claudine.metrics.task('0000000000')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps snapshots of the system as history and prunes them past the retention', async () => {
    await host({ metrics: { snapshotInterval: '100ms', retention: '600ms' } });
    const claudine = client();
    await claudine.submit({ prompt: 'true', agent: 'command', cwd: fixture.workdir });
    const history = await waitFor(
      async () => {
        const found = await claudine.metrics.history({ since: 0, until: Date.now() });
        const oldest = found[0];
        // Pruned: nothing older than the retention, once enough time has passed to have some.
        return found.length >= 3 &&
          oldest !== undefined &&
          Date.now() - oldest.at < 600 + 400 &&
          found.some((entry) => entry.completed === 1)
          ? found
          : undefined;
      },
      { description: 'snapshots spanning the retention', timeoutMs: 20_000, intervalMs: 100 },
    );
    const last = history[history.length - 1];
    expect(last).toMatchObject({ completed: 1, queued: 0, finishedLastHour: 1 });
    expect(last?.machineCpuCores).toBeGreaterThan(0);
    expect(last?.hostMemoryBytes).toBeGreaterThan(0);
    for (const [index, entry] of history.entries()) if (index > 0) expect(entry.at).toBeGreaterThan(history[index - 1]?.at ?? 0);
    const early = await claudine.metrics.history({ since: 0, until: (history[0]?.at ?? 0) - 1 });
    expect(early).toEqual([]);
  });

  it('serves Prometheus text on loopback when asked, with the access token only, and refuses foreign Host headers', async () => {
    const started = await host({ metrics: { listen: 0 } });
    const port = started.metricsEndpoint?.port;
    expect(port).toBeGreaterThan(0);
    const claudine = client();
    const { task } = await claudine.submit({ prompt: 'sleep 30', agent: 'command', cwd: fixture.workdir });
    await waitFor(async () => (await claudine.metrics.task(task.id))[0]?.live === true, { description: 'the task to run' });
    // The host created the data directory's token when it began to listen.
    const token = readAccessToken(dataLayout(fixture.home));
    expect(token).toBeDefined();
    const anonymous = await fetchText(port ?? 0, '/metrics', '127.0.0.1');
    expect(anonymous).toMatchObject({ status: 401, challenge: 'Bearer realm="claudine"' });
    expect(anonymous.body).toContain('claudine mcp token');
    expect(anonymous.body).not.toContain('claudine_tasks');
    const wrong = await fetchText(port ?? 0, '/metrics', '127.0.0.1', `Bearer ${'A'.repeat(43)}`);
    expect(wrong).toMatchObject({ status: 401, challenge: 'Bearer realm="claudine", error="invalid_token"' });
    // The Host check comes first.
    expect((await fetchText(port ?? 0, '/metrics', 'attacker.example')).status).toBe(403);
    const ok = await fetchText(port ?? 0, '/metrics', '127.0.0.1', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const parsed = parsePrometheusText(ok.body);
    expect(prometheusValue(parsed, 'claudine_tasks', { state: 'running' })).toBe(1);
    expect(prometheusValue(parsed, 'claudine_task_processes', { task: task.id, agent: 'command' })).toBeGreaterThanOrEqual(1);
    expect(prometheusValue(parsed, 'claudine_host_memory_bytes')).toBeGreaterThan(0);
    expect((await fetchText(port ?? 0, '/metrics', 'attacker.example', `Bearer ${token}`)).status).toBe(403);
    expect((await fetchText(port ?? 0, '/other', 'localhost', `Bearer ${token}`)).status).toBe(404);
    // A rotated token applies from the next scrape.
    const rotated = rotateAccessToken(dataLayout(fixture.home));
    expect((await fetchText(port ?? 0, '/metrics', '127.0.0.1', `Bearer ${token}`)).status).toBe(401);
    expect((await fetchText(port ?? 0, '/metrics', 'localhost', `Bearer ${rotated}`)).status).toBe(200);
    // The CLI's path: the same text, read from the store by a client.
    const fromClient = parsePrometheusText(await claudine.metrics.prometheus());
    expect(prometheusValue(fromClient, 'claudine_tasks', { state: 'running' })).toBe(1);
    await claudine.cancel(task.id);
  });
});

// A claude task with its own budget and retries, run to its end.
async function overBudget(claudine: Claudine, prompt: string, maxBudgetUsd: number, maxRetries: number) {
  const { task } = await claudine.submit({ prompt, agent: 'claude', agentOptions: { maxBudgetUsd }, maxRetries, cwd: fixture.workdir });
  return { task, done: await finished(claudine, task.id) };
}

describe('budgets', () => {
  it('passes the per-task budget to claude and fails the task it stopped, without retrying it', async () => {
    await host();
    const claudine = client();
    const { task, done } = await overBudget(claudine, 'Expensive [[fake: cost 0.5; succeed]]', 0.2, 2);
    expect(done).toMatchObject({ status: 'failed', failureReason: 'budget_exceeded', attempt: 1 });
    expect(done.statusDetail).toContain('$0.2');
    const log = await claudine.output.read(task.id, { streams: ['system'] });
    expect(log.records.map((record) => record.text).join('')).toContain('--max-budget-usd 0.2');
  });

  it('does not retry a transient failure once the task has spent its budget', async () => {
    await host({ retry: { baseDelay: '10ms', maxDelay: '20ms' } });
    const { done } = await overBudget(client(), 'Flaky [[fake: cost 0.3; rate-limit]]', 0.25, 3);
    expect(done).toMatchObject({ status: 'failed', failureReason: 'budget_exceeded', attempt: 1 });
  });

  it('makes new claude tasks wait, with a clear status, once the daily budget is spent', async () => {
    await host({ budget: { daily: 0.05 } });
    const claudine = client();
    const systemLog = async (id: string) =>
      (await claudine.output.read(id, { streams: ['system'] })).records.map((record) => record.text).join('');
    const first = await claudine.submit({ prompt: 'First [[fake: cost 0.04; succeed]]', agent: 'claude', cwd: fixture.workdir });
    expect((await finished(claudine, first.task.id)).status).toBe('completed');
    expect(await systemLog(first.task.id)).toContain('--max-budget-usd 0.05');
    // Each claude task may spend what is left of the day: this one is stopped at $0.01.
    const second = await claudine.submit({ prompt: 'Second [[fake: cost 0.03; succeed]]', agent: 'claude', cwd: fixture.workdir });
    expect(await finished(claudine, second.task.id)).toMatchObject({ status: 'failed', failureReason: 'budget_exceeded' });
    expect(await systemLog(second.task.id)).toContain('--max-budget-usd 0.01');
    // $0.07 of $0.05 spent: claude tasks wait, other agents run.
    const third = await claudine.submit({ prompt: 'Third [[fake: succeed]]', agent: 'claude', cwd: fixture.workdir });
    const command = await claudine.submit({ prompt: 'echo still runs', agent: 'command', cwd: fixture.workdir });
    expect((await finished(claudine, command.task.id)).status).toBe('completed');
    const waiting = await waitFor(
      async () => {
        const task = await claudine.get(third.task.id);
        return task.statusDetail?.startsWith('waiting for the daily budget') === true ? task : undefined;
      },
      { description: 'the claude task to say it waits for the budget' },
    );
    expect(waiting).toMatchObject({ status: 'queued', attempt: 0 });
    expect(waiting.statusDetail).toContain('$0.07 of $0.05 spent today');
    // A client without the setting sees the spending but no budget; one with it sees it spent.
    expect((await claudine.metrics.system({ windowMs: 10 })).budget).toMatchObject({
      dailyUsd: null,
      exhausted: false,
      spentTodayUsd: 0.07,
    });
    expect((await client({ budget: { daily: 0.05 } }).metrics.system({ windowMs: 10 })).budget).toMatchObject({
      dailyUsd: 0.05,
      exhausted: true,
    });
  });
});

function fetchText(
  port: number,
  path: string,
  hostHeader: string,
  authorization?: string,
): Promise<{ status: number; type: string; body: string; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers = { host: `${hostHeader}:${port}`, ...(authorization === undefined ? {} : { authorization }) };
    const outgoing = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers['content-type']),
          body,
          challenge: response.headers['www-authenticate'],
        }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
