import { startWebhookReceiver, WEBHOOK_TOKEN, type WebhookReceiver, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resultText } from './mcp-server.test-helper.js';
import { useMcpSession } from './mcp-session.test-helper.js';

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await startWebhookReceiver();
  receiver.answer = () => 410;
});
afterEach(async () => {
  await receiver.close();
});
// Only tasks that ask are notified (events none): what DelegateTask's notify says decides.
const mcp = useMcpSession({
  settings: () => ({ CLAUDINE_HOST_IDLE_EXIT: '10s', CLAUDINE_NOTIFY_WEBHOOK: receiver.url, CLAUDINE_NOTIFY_EVENTS: 'none' }),
});

describe('notifications over MCP', () => {
  it('follow DelegateTask notify, and SystemMetrics shows the last delivery error', async () => {
    const quiet = await mcp.call('DelegateTask', { prompt: 'exit 1', agent: 'command', notify: false });
    const loud = await mcp.call('DelegateTask', { prompt: 'exit 1', agent: 'command', notify: true });
    const loudId = (loud.structuredContent as { taskId: string }).taskId;
    expect((quiet.structuredContent as { task: unknown }).task).toBeDefined();
    const [request] = await receiver.received(1, 20_000);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({ event: 'failed', task: { id: loudId, notify: true } });
    const metrics = await waitFor(
      async () => {
        const result = await mcp.call('SystemMetrics', { historyMinutes: 0 });
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
