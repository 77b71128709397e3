import { createServer } from 'node:net';
import { startWebhookReceiver, verifyWebhookSignature, WEBHOOK_TOKEN, type WebhookReceiver } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failedTask, notificationOf } from './notification.test-helper.js';
import { createWebhookChannel, SIGNATURE_HEADER, signWebhookBody, type WebhookChannelOptions } from './webhook-channel.js';

let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await receiver.close();
});

const channel = (options: Partial<WebhookChannelOptions> = {}) =>
  createWebhookChannel({ url: receiver.url, events: ['failed'], timeoutMs: 5000, maxAttempts: 3, ...options });
const never = new AbortController().signal;

describe('the webhook channel', () => {
  it('POSTs the notification as JSON with a text field, signed over the timestamp and the exact body', async () => {
    const notification = notificationOf(failedTask({ agentOptions: { env: { API_KEY: 'sk-do-not-send' } } }));
    const outcome = await channel({ secret: 'shh', now: () => 1_700_000_000_123 }).deliver(notification, never);
    expect(outcome).toEqual({ ok: true });
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: `/hook?token=${WEBHOOK_TOKEN}` });
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-claudine-event': 'failed',
      'x-claudine-delivery': 'delivery-1',
    });
    expect(request?.body).toBe(notification.body);
    const body = JSON.parse(request?.body ?? '{}');
    expect(body).toMatchObject({
      event: 'failed',
      text: expect.stringMatching(
        /^Claudine: task \w{10} failed \(exited with code 1\) after 12 s: Run the test suite and fix what fails$/,
      ),
      task: { status: 'failed', exitCode: 1, environmentNames: ['API_KEY'] },
      workflow: null,
    });
    expect(request?.body).not.toContain('sk-do-not-send');
    // A receiver checks it with the secret, and learns when it was signed.
    expect(request === undefined ? undefined : verifyWebhookSignature(request, 'shh')).toBe(1_700_000_000);
    expect(request === undefined ? undefined : verifyWebhookSignature(request, 'wrong secret')).toBeUndefined();
    expect(request?.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(signWebhookBody('shh', 1_700_000_000, notification.body));
  });

  it('sends no signature header without a secret', async () => {
    await channel().deliver(notificationOf(failedTask()), never);
    expect(receiver.requests[0]?.headers['x-claudine-signature']).toBeUndefined();
  });

  it('says a 5xx or a 429 may pass, with the Retry-After it was given, and that other answers will not', async () => {
    receiver.answer = (_request, index) => [500, 429, 404, 301][index] ?? 200;
    const webhook = channel();
    const notification = notificationOf(failedTask());
    expect(await webhook.deliver(notification, never)).toMatchObject({
      ok: false,
      retry: true,
      message: expect.stringContaining('HTTP 500'),
    });
    expect(await webhook.deliver(notification, never)).toMatchObject({
      ok: false,
      retry: true,
      message: expect.stringContaining('HTTP 429'),
    });
    const notFound = await webhook.deliver(notification, never);
    expect(notFound).toMatchObject({
      ok: false,
      retry: false,
      message: expect.stringContaining('HTTP 404 Not Found: {"error":"test receiver says no"}'),
    });
    expect(await webhook.deliver(notification, never)).toMatchObject({
      ok: false,
      retry: false,
      message: expect.stringContaining('redirects are not followed'),
    });
    expect(await webhook.deliver(notification, never)).toEqual({ ok: true });
  });

  it('gives up on a receiver that does not answer within the timeout, and one that refuses connections, never naming the URL', async () => {
    receiver.answer = () => 'hang';
    const started = Date.now();
    const hung = await channel({ timeoutMs: 300 }).deliver(notificationOf(failedTask()), never);
    expect(hung).toMatchObject({ ok: false, retry: true, message: 'the webhook did not answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5000);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await channel({ url: `http://127.0.0.1:${port}/hook?token=${WEBHOOK_TOKEN}` }).deliver(
      notificationOf(failedTask()),
      never,
    );
    expect(refused).toMatchObject({ ok: false, retry: true, message: expect.stringContaining('ECONNREFUSED') });
    expect(JSON.stringify([hung, refused])).not.toContain(WEBHOOK_TOKEN);
  });

  it('abandons a request in flight when told to stop', async () => {
    receiver.answer = () => 'hang';
    const controller = new AbortController();
    const pending = channel({ timeoutMs: 60_000 }).deliver(notificationOf(failedTask()), controller.signal);
    await receiver.received(1);
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, retry: false, message: expect.stringContaining('the host is stopping') });
  });
});
