import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Task } from '@claudine/core';
import { startWebhookReceiver, verifyWebhookSignature, WEBHOOK_TOKEN, type WebhookReceiver, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { dataLayout } from '../config/data-directory.js';
import type { Host } from '../host/host.js';
import { finished, useHostFixture } from '../host/host-fixture.test-helper.js';
import { fakeNotifySend } from './fake-notify-send.test-helper.js';
import { notificationStatusPath, readNotificationStatus } from './notification-status.js';

const fixture = useHostFixture({ CLAUDINE_NOTIFY_WEBHOOK_RETRY_DELAY: '50ms' });
let receiver: WebhookReceiver;
let logged: string[];

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  logged = [];
});

afterEach(async () => {
  await receiver.close();
});

async function hostWith(settings: Record<string, string>): Promise<Claudine> {
  return (await startWith(settings)).claudine;
}

async function startWith(settings: Record<string, string>): Promise<{ claudine: Claudine; host: Host }> {
  const host = await fixture.host({ extra: settings, log: (line) => logged.push(line) });
  return { claudine: fixture.client(), host };
}

async function run(claudine: Claudine, prompt: string, options: { notify?: boolean; dependsOn?: string[] } = {}): Promise<Task> {
  const { task } = await claudine.submit({ prompt, agent: 'command', cwd: fixture.workdir, ...options });
  return finished(claudine, task.id);
}

const bodies = (): Array<{ event: string; text: string; task: { id: string }; workflow: { id: string; outcome: string } | null }> =>
  receiver.requests.map((request) => JSON.parse(request.body));

// The port of a server that was just closed: connecting to it is refused.
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('notifications from a host', () => {
  it('POST each end to the webhook, signed, with a text field for Slack', async () => {
    const claudine = await hostWith({ CLAUDINE_NOTIFY_WEBHOOK: receiver.url, CLAUDINE_NOTIFY_WEBHOOK_SECRET: 'shared-secret' });
    const ok = await run(claudine, 'echo fine');
    const bad = await run(claudine, 'exit 4');
    const requests = await receiver.received(2);
    const sent = bodies();
    expect(sent.map((body) => [body.event, body.task.id])).toEqual([
      ['completed', ok.id],
      ['failed', bad.id],
    ]);
    expect(sent[1]?.text).toMatch(new RegExp(`^Claudine: task ${bad.id} failed \\(exited with code 4\\)`));
    for (const request of requests) {
      const signedAt = verifyWebhookSignature(request, 'shared-secret');
      expect(signedAt).toBeDefined();
      // The timestamp is now: a receiver can refuse old ones (replays).
      expect(Math.abs((signedAt ?? 0) * 1000 - request.receivedAt)).toBeLessThan(5000);
    }
    await waitFor(() => readNotificationStatus(dataLayout(fixture.home))?.delivered === 2, { description: 'the status to count both' });
    expect(readNotificationStatus(dataLayout(fixture.home))).toMatchObject({ channels: ['webhook'], failed: 0, lastError: null });
    expect(logged.join('\n')).not.toContain(WEBHOOK_TOKEN);
  });

  it('retry a webhook that answers 500, then succeed, with the same delivery id', async () => {
    receiver.answer = (_request, index) => (index === 0 ? 500 : 200);
    const claudine = await hostWith({ CLAUDINE_NOTIFY_WEBHOOK: receiver.url });
    const task = await run(claudine, 'true');
    const [first, second] = await receiver.received(2);
    expect(first?.headers['x-claudine-delivery']).toBe(second?.headers['x-claudine-delivery']);
    expect(JSON.parse(second?.body ?? '{}').task.id).toBe(task.id);
    expect(logged.join('\n')).toMatch(
      /notify: webhook, the notification of task \w+ \(completed\): the webhook answered HTTP 500 Internal Server Error.*; try 2 of 5/,
    );
    await waitFor(() => readNotificationStatus(dataLayout(fixture.home))?.delivered === 1);
    expect(readNotificationStatus(dataLayout(fixture.home))?.lastError).toBeNull();
  });

  it('record the last delivery error where clients read it, never with the URL', async () => {
    receiver.answer = () => 404;
    const claudine = await hostWith({ CLAUDINE_NOTIFY_WEBHOOK: receiver.url });
    const task = await run(claudine, 'exit 1');
    const status = await waitFor(() => readNotificationStatus(dataLayout(fixture.home))?.lastError ?? undefined, {
      description: 'the delivery error to be recorded',
    });
    expect(status).toMatchObject({
      channel: 'webhook',
      event: 'failed',
      taskId: task.id,
      message: expect.stringContaining('HTTP 404 Not Found'),
    });
    expect(receiver.requests).toHaveLength(1);
    expect(readFileSync(notificationStatusPath(dataLayout(fixture.home)), 'utf8')).not.toContain(WEBHOOK_TOKEN);
    expect(logged.join('\n')).toMatch(
      new RegExp(`notify: webhook gave up on the notification of task ${task.id} \\(failed\\): the webhook answered HTTP 404`),
    );
  });

  it.each([
    ['hangs', async () => receiver.url, () => (receiver.answer = () => 'hang'), () => receiver.requests.length > 0],
    [
      'refuses connections',
      async () => `http://127.0.0.1:${await refusedPort()}/hook?token=${WEBHOOK_TOKEN}`,
      () => {},
      () => logged.some((line) => line.includes('ECONNREFUSED')),
    ],
  ])('keep tasks starting and finishing on time when the webhook %s', async (_name, url, answer, tried) => {
    answer();
    const { claudine, host } = await startWith({
      CLAUDINE_NOTIFY_WEBHOOK: await url(),
      CLAUDINE_NOTIFY_WEBHOOK_TIMEOUT: '60s',
      CLAUDINE_NOTIFY_WEBHOOK_RETRY_DELAY: '30s',
      CLAUDINE_CONCURRENCY: '1',
    });
    // One after another: each starts when the one before it has ended (and been notified of).
    const tasks: Task[] = [];
    for (let index = 0; index < 4; index += 1) tasks.push(await run(claudine, `echo ${index}`));
    for (const task of tasks) expect(task.status).toBe('completed');
    // The webhook was being tried all along.
    expect(tried()).toBe(true);
    const stored = await Promise.all(tasks.map((task) => claudine.get(task.id)));
    for (let index = 1; index < stored.length; index += 1) {
      const previous = stored[index - 1] as Task;
      const current = stored[index] as Task;
      expect(current.createdAt).toBeGreaterThanOrEqual(previous.finishedAt ?? 0);
      // Started as soon as it was submitted: nothing waited for the webhook.
      expect((current.startedAt ?? 0) - current.createdAt).toBeLessThan(2000);
    }
    // And the host stops promptly, dropping what it could not deliver (and saying so).
    const stopping = Date.now();
    await host.stop();
    expect(Date.now() - stopping).toBeLessThan(8000);
    expect(readNotificationStatus(dataLayout(fixture.home))?.dropped).toBeGreaterThan(0);
    expect(logged.join('\n')).toMatch(/was dropped unsent, the host is stopping/);
  });

  it('run the command hook with the notification on stdin', async () => {
    const claudine = await hostWith({ CLAUDINE_NOTIFY_COMMAND: 'cat > "hook-$CLAUDINE_TASK_ID.json"; echo hook ran for $CLAUDINE_EVENT' });
    const task = await run(claudine, 'exit 2');
    const file = join(fixture.home, `hook-${task.id}.json`);
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').endsWith('}'), { description: 'the hook to write its stdin' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ event: 'failed', task: { id: task.id, exitCode: 2 } });
    await waitFor(() => logged.includes(`notify command (task ${task.id}): hook ran for failed`), {
      description: 'the hook output in the log',
    });
  });

  it('show desktop notifications through notify-send, and say once that it fails without a desktop', async () => {
    const fake = fakeNotifySend(join(fixture.root, 'working'));
    const claudine = await hostWith({ CLAUDINE_NOTIFY_DESKTOP: 'true', PATH: fake.path });
    const task = await run(claudine, 'true');
    await waitFor(() => fake.calls().length === 1, { description: 'notify-send to be run' });
    expect(fake.calls()[0]?.slice(0, 4)).toEqual(['--app-name=Claudine', '--urgency=normal', '--', `Claudine: task ${task.id} completed`]);
  });

  it('say once that desktop notifications fail without a desktop session, and go on', async () => {
    const fake = fakeNotifySend(join(fixture.root, 'failing'), { failing: true });
    const claudine = await hostWith({
      CLAUDINE_NOTIFY_DESKTOP: 'true',
      PATH: fake.path,
      CLAUDINE_NOTIFY_COMMAND: 'cat > "hook-$CLAUDINE_TASK_ID.json"',
    });
    const first = await run(claudine, 'true');
    const second = await run(claudine, 'true');
    await waitFor(() => fake.calls().length === 2 && existsSync(join(fixture.home, `hook-${second.id}.json`)));
    expect(logged.filter((line) => line.includes('desktop notifications do not work here'))).toHaveLength(1);
    expect(existsSync(join(fixture.home, `hook-${first.id}.json`))).toBe(true);
    await waitFor(() => readNotificationStatus(dataLayout(fixture.home))?.failed === 2);
    expect(readNotificationStatus(dataLayout(fixture.home))?.lastError).toMatchObject({ channel: 'desktop', taskId: second.id });
  });

  it('leave out a --no-notify task, and send a --notify one whatever the events', async () => {
    const claudine = await hostWith({ CLAUDINE_NOTIFY_WEBHOOK: receiver.url, CLAUDINE_NOTIFY_EVENTS: 'failed' });
    await run(claudine, 'exit 1', { notify: false });
    await run(claudine, 'true');
    const forced = await run(claudine, 'true', { notify: true });
    const shown = await run(claudine, 'exit 1');
    await receiver.received(2);
    expect(bodies().map((body) => [body.event, body.task.id])).toEqual([
      ['completed', forced.id],
      ['failed', shown.id],
    ]);
  });

  it('tell of a workflow once, when its last task ends', async () => {
    const claudine = await hostWith({
      CLAUDINE_NOTIFY_WEBHOOK: receiver.url,
      CLAUDINE_NOTIFY_EVENTS: 'workflow',
      CLAUDINE_CONCURRENCY: '2',
    });
    const { task: build } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: fixture.workdir });
    const { task: test } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: fixture.workdir, dependsOn: [build.id] });
    const { task: lint } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: fixture.workdir, dependsOn: [build.id] });
    await Promise.all([build, test, lint].map((task) => finished(claudine, task.id)));
    const alone = await run(claudine, 'true');
    // The standalone task is no workflow; a failure that ends its dependents ends its workflow.
    const { task: broken } = await claudine.submit({ prompt: 'exit 1', agent: 'command', cwd: fixture.workdir });
    const { task: after } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: fixture.workdir, dependsOn: [broken.id] });
    expect((await finished(claudine, after.id)).failureReason).toBe('dependency_failed');
    await receiver.received(2);
    // Nothing else comes: the store is read for every end, yet each workflow is told of once.
    await run(claudine, 'true');
    expect(bodies().map((body) => [body.event, body.workflow?.id, body.workflow?.outcome])).toEqual([
      ['workflow', build.id, 'completed'],
      ['workflow', broken.id, 'failed'],
    ]);
    expect(bodies()[0]?.text).toMatch(new RegExp(`^Claudine: workflow ${build.id} completed: 3 tasks \\(3 completed\\)`));
    expect(bodies().some((body) => body.task.id === alone.id)).toBe(false);
  });
});
