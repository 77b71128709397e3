import { join } from 'node:path';
import { startWebhookReceiver, WEBHOOK_TOKEN, type WebhookReceiver, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigShowJson, StatusSummaryJson } from '../src/json-shapes.js';
import { useCliSession } from './session.test-helper.js';

let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await receiver.close();
});

const session = useCliSession({ CLAUDINE_HOST_IDLE_EXIT: '10s' });
const { cli } = session;

describe('notifications from the CLI', () => {
  it('are configured with config set, shown masked, skipped for --no-notify, and their last error is in status', async () => {
    receiver.answer = () => 403;
    expect((await cli(['config', 'set', 'notify.webhook', receiver.url])).stdout).toBe(
      `notify.webhook = http://${new URL(receiver.url).host}/(hidden) in ${join(session.home, 'config.json')}\n`,
    );
    expect((await cli(['config', 'set', 'notify.webhookSecret', 'do-not-print-me'])).code).toBe(0);
    const shown = await cli(['config', 'show']);
    const shownJson = await cli(['config', 'show', '--json']);
    for (const output of [shown.stdout, shownJson.stdout, (await cli(['config', 'show', 'notify.webhookSecret'])).stdout]) {
      expect(output).not.toContain(WEBHOOK_TOKEN);
      expect(output).not.toContain('do-not-print-me');
    }
    expect(
      ConfigShowJson.parse(JSON.parse(shownJson.stdout)).settings.find((setting) => setting.key === 'notify.webhookSecret')?.value,
    ).toBe('(hidden)');

    const before = await cli(['status', '--json']);
    expect(StatusSummaryJson.parse(JSON.parse(before.stdout)).notifications).toEqual({
      channels: ['webhook'],
      delivered: null,
      failed: null,
      dropped: null,
      lastError: null,
    });

    const quiet = await cli(['run', '--agent', 'command', '--no-notify', '--wait', 'exit 5']);
    expect(quiet.code).toBe(5);
    const loud = await cli(['run', '--agent', 'command', '--json', '--wait', 'exit 6']);
    const loudId = (JSON.parse(loud.stdout) as { id: string }).id;
    const [request] = await receiver.received(1);
    expect(JSON.parse(request?.body ?? '{}').task.id).toBe(loudId);

    const status = await waitFor(
      async () => {
        const summary = StatusSummaryJson.parse(JSON.parse((await cli(['status', '--json'])).stdout));
        return summary.notifications.lastError === null ? undefined : summary;
      },
      { description: 'the delivery error in claudine status' },
    );
    expect(status.notifications).toMatchObject({
      channels: ['webhook'],
      failed: 1,
      lastError: { channel: 'webhook', event: 'failed', taskId: loudId, message: expect.stringContaining('HTTP 403 Forbidden') },
    });
    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(
      new RegExp(`notify +webhook; last error \\d+ s ago \\(webhook, task ${loudId} failed\\): the webhook answered HTTP 403 Forbidden`),
    );
    expect(text).not.toContain(WEBHOOK_TOKEN);
    // The --no-notify task was never sent.
    expect(receiver.requests).toHaveLength(1);
  });

  it('warn when --notify has no channel to go through', async () => {
    const run = await cli(['run', '--agent', 'command', '--notify', '--wait', 'true']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('--notify has nothing to notify through: set notify.desktop, notify.webhook or notify.command');
    expect((await cli(['status'])).stdout).not.toMatch(/^notify/m);
  });
});
