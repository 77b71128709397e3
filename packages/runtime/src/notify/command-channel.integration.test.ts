import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, findProcessesWithMarker, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommandChannelOptions, createCommandChannel } from './command-channel.js';
import { failedTask, notificationOf } from './notification.test-helper.js';

let temp: TempDir;
let logged: string[];

beforeEach(() => {
  temp = createTempDir();
  logged = [];
});

afterEach(() => temp.remove());

const hook = (command: string, options: Partial<CommandChannelOptions> = {}) =>
  createCommandChannel({
    command,
    shell: '/bin/sh',
    events: ['failed'],
    timeoutMs: 10_000,
    cwd: temp.path,
    environment: process.env,
    log: (line) => logged.push(line),
    ...options,
  });
const never = new AbortController().signal;

describe('the command hook', () => {
  it('gets the notification as JSON on stdin and the event in its environment, in the data directory', async () => {
    const task = failedTask();
    const notification = notificationOf(task);
    const outcome = await hook('cat > stdin.json; echo "$CLAUDINE_EVENT $CLAUDINE_TASK_ID $CLAUDINE_TASK_STATUS" > env.txt; pwd').deliver(
      notification,
      never,
    );
    expect(outcome).toEqual({ ok: true });
    expect(readFileSync(join(temp.path, 'stdin.json'), 'utf8')).toBe(notification.body);
    expect(JSON.parse(readFileSync(join(temp.path, 'stdin.json'), 'utf8'))).toMatchObject({ event: 'failed', task: { id: task.id } });
    expect(readFileSync(join(temp.path, 'env.txt'), 'utf8')).toBe(`failed ${task.id} failed\n`);
    expect(logged).toEqual([`notify command (task ${task.id}): ${temp.path}`]);
  });

  it('fails on a non-zero exit, and a hook that ignores its stdin is no failure', async () => {
    expect(await hook('exit 3').deliver(notificationOf(failedTask()), never)).toEqual({
      ok: false,
      retry: false,
      message: 'the notify command exited with code 3',
    });
    expect(await hook('true').deliver(notificationOf(failedTask({ prompt: 'x'.repeat(1_000_000) })), never)).toEqual({ ok: true });
  });

  it('logs only the first few KiB of what a hook prints', async () => {
    await hook('head -c 1000000 /dev/zero | tr "\\0" "y"; echo; echo done >&2').deliver(notificationOf(failedTask()), never);
    const text = logged.join('\n');
    expect(text.length).toBeLessThan(10_000);
    expect(logged.at(-1)).toMatch(/\d+ more bytes of output not logged$/);
  });

  it('kills the whole process group of a hook that outlives its timeout', async () => {
    const marker = `CLAUDINE_HOOK_TEST=${Math.random().toString(36).slice(2)}`;
    const started = Date.now();
    const outcome = await hook('sleep 60 & sleep 60; wait', {
      timeoutMs: 500,
      environment: { ...process.env, [marker.split('=')[0] as string]: marker.split('=')[1] },
    }).deliver(notificationOf(failedTask()), never);
    expect(outcome).toMatchObject({
      ok: false,
      message: expect.stringContaining('did not finish within 500 ms (notify.commandTimeout): its process group was killed'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor(() => findProcessesWithMarker(marker).length === 0, { description: 'every process of the hook to be gone' });
  });

  it('says so when the shell cannot start', async () => {
    const outcome = await hook('true', { shell: join(temp.path, 'no-such-shell') }).deliver(notificationOf(failedTask()), never);
    expect(outcome).toMatchObject({ ok: false, retry: false, message: expect.stringContaining('could not start') });
  });
});
