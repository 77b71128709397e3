import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { TaskMetricsSchema } from '@claudine/core';
import { parsePrometheusText, prometheusValue, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { cliPath } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession({ CLAUDINE_METRICS_SNAPSHOT_INTERVAL: '200ms', CLAUDINE_HOST_IDLE_EXIT: '10s' });
const { cli } = session;

describe('claudine metrics', () => {
  it('shows what a task consumed, the system with sparklines, JSON, and Prometheus text', async () => {
    const run = await cli(['run', '--wait', '--agent', 'command', 'sh -c "echo one; echo two"; true']);
    expect(run.code).toBe(0);
    const id = JSON.parse((await cli(['ls', '--json'])).stdout).tasks[0].id as string;
    const json = await cli(['metrics', id, '--json']);
    expect(json.code).toBe(0);
    const attempts = TaskMetricsSchema.array().parse(JSON.parse(json.stdout).attempts);
    expect(attempts[0]).toMatchObject({ taskId: id, attempt: 1, live: false });
    expect(attempts[0]?.processesSeen).toBeGreaterThanOrEqual(1);
    const text = await cli(['metrics', id]);
    expect(text.stdout).toMatch(new RegExp(`task\\s+${id} \\(command\\), attempt 1, finished`));
    expect(text.stdout).toMatch(/cpu\s+\d/);
    expect(text.stdout).toMatch(/measured\s+\S*proc/);
    // The host keeps snapshots; the view draws the last hour of them.
    const system = await waitFor(
      async () => {
        const result = await cli(['metrics']);
        return result.stdout.includes('finished/h') && /finished\/h\s+[ ▁▂▃▄▅▆▇█]+\s+max 1/.test(result.stdout) ? result : undefined;
      },
      { description: 'a snapshot with the finished task', timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(system.stdout).toMatch(/tasks\s+0 running, 0 queued, 1 completed, 0 failed/);
    expect(system.stdout).toMatch(/machine\s+CPU [\d.]+% of \d+ cores/);
    expect(system.stdout).toContain('history (last 1 h');
    expect(system.stdout).not.toContain('\u001b[');
    const systemJson = JSON.parse((await cli(['metrics', '--json', '--since', '10m'])).stdout);
    expect(systemJson.snapshot).toMatchObject({ completed: 1 });
    expect(systemJson.history.length).toBeGreaterThan(0);
    const prometheus = await cli(['metrics', '--prometheus']);
    expect(prometheus.code).toBe(0);
    expect(prometheusValue(parsePrometheusText(prometheus.stdout), 'claudine_tasks', { state: 'completed' })).toBe(1);
    const misuse = await cli(['metrics', id, '--prometheus']);
    expect(misuse.code).toBe(2);
    const badSince = await cli(['metrics', '--since', 'yesterday-ish']);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('neither a duration');
    expect((await cli(['metrics', 'aaaaaaaaaa'])).code).toBe(3);
  });

  it('serves /metrics on loopback from a foreground host started with --metrics-port', async () => {
    const port = await freePort();
    const host = spawn(process.execPath, [cliPath, 'host', '--metrics-port', String(port)], {
      env: session.env as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    try {
      // Without the token: 401, once the endpoint listens.
      const refused = await waitFor(() => scrape(port).catch(() => undefined), {
        description: 'the metrics endpoint',
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      expect(refused.status).toBe(401);
      expect(refused.body).toContain('claudine mcp token');
      const token = (await cli(['mcp', 'token'])).stdout.trim();
      const { status, body } = await scrape(port, token);
      expect(status).toBe(200);
      const parsed = parsePrometheusText(body);
      expect(prometheusValue(parsed, 'claudine_tasks', { state: 'running' })).toBe(0);
      expect(prometheusValue(parsed, 'claudine_host_memory_bytes')).toBeGreaterThan(0);
      expect((await cli(['host', '--metrics-port', 'http'])).code).toBe(2);
    } finally {
      host.kill('SIGTERM');
      await new Promise((resolve) => host.once('exit', resolve));
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function scrape(port: number, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const outgoing = request({ host: '127.0.0.1', port, path: '/metrics', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
