import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, startWebhookReceiver, type TempDir, WEBHOOK_TOKEN, type WebhookReceiver, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, openSession, resultText, stopHost, type TestSession } from './mcp-server.test-helper.js';

let temp: TempDir;
let home: string;
let workdir: string;
let receiver: WebhookReceiver;
let session: TestSession;

beforeEach(async () => {
  temp = createTempDir();
  home = join(temp.path, 'home');
  workdir = join(temp.path, 'work');
  mkdirSync(workdir);
  receiver = await startWebhookReceiver();
  receiver.answer = () => 410;
  // Only tasks that ask are notified (events none): what DelegateTask's notify says decides.
  session = await openSession('stdio', home, workdir, {
    CLAUDINE_HOST_IDLE_EXIT: '10s',
    CLAUDINE_NOTIFY_WEBHOOK: receiver.url,
    CLAUDINE_NOTIFY_EVENTS: 'none',
  });
});

afterEach(async () => {
  await session.close();
  await stopHost(home);
  await receiver.close();
  temp.remove();
});

describe('notifications over MCP', () => {
  it('follow DelegateTask notify, and SystemMetrics shows the last delivery error', async () => {
    const quiet = await callTool(session.client, 'DelegateTask', { prompt: 'exit 1', agent: 'command', notify: false });
    const loud = await callTool(session.client, 'DelegateTask', { prompt: 'exit 1', agent: 'command', notify: true });
    const loudId = (loud.structuredContent as { taskId: string }).taskId;
    expect((quiet.structuredContent as { task: unknown }).task).toBeDefined();
    const [request] = await receiver.received(1, 20_000);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({ event: 'failed', task: { id: loudId, notify: true } });
    const metrics = await waitFor(
      async () => {
        const result = await callTool(session.client, 'SystemMetrics', { historyMinutes: 0 });
        const notifications = (result.structuredContent as { notifications: { lastError: unknown } | null }).notifications;
        return notifications?.lastError ? result : undefined;
      },
      { description: 'the delivery error in SystemMetrics', timeoutMs: 20_000 },
    );
    expect((metrics.structuredContent as { notifications: unknown }).notifications).toMatchObject({
      failed: 1,
      lastError: { channel: 'webhook', taskId: loudId, message: expect.stringContaining('HTTP 410 Gone') },
    });
    expect(resultText(metrics)).toMatch(
      new RegExp(`Last notification error: webhook at .* \\(task ${loudId} failed\\): the webhook answered HTTP 410 Gone`),
    );
    expect(JSON.stringify(metrics)).not.toContain(WEBHOOK_TOKEN);
    expect(receiver.requests).toHaveLength(1);
  });
});
