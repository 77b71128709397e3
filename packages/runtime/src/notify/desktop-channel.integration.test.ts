import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDesktopChannel } from './desktop-channel.js';
import { fakeNotifySend } from './fake-notify-send.test-helper.js';
import { failedTask, notificationOf } from './notification.test-helper.js';

let temp: TempDir;

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => temp.remove());

const never = new AbortController().signal;

describe('the desktop channel', () => {
  it('runs notify-send with the headline as summary and the task as body, a failure as critical', async () => {
    const fake = fakeNotifySend(temp.path);
    const task = failedTask({ prompt: '--help me fix the build' });
    const notification = notificationOf(task);
    const outcome = await createDesktopChannel({ events: ['failed'], environment: { ...process.env, PATH: fake.path } }).deliver(
      notification,
      never,
    );
    expect(outcome).toEqual({ ok: true });
    expect(fake.calls()).toEqual([
      [
        '--app-name=Claudine',
        '--urgency=critical',
        '--',
        `Claudine: task ${task.id} failed`,
        `--help me fix the build\n${notification.payload.text}`,
      ],
    ]);
  });

  it('fails quickly and harmlessly without a desktop session, or without notify-send at all', async () => {
    const fake = fakeNotifySend(temp.path, { failing: true });
    const noDesktop = await createDesktopChannel({ events: ['failed'], environment: { PATH: fake.path } }).deliver(
      notificationOf(failedTask()),
      never,
    );
    expect(noDesktop).toMatchObject({
      ok: false,
      retry: false,
      message: expect.stringContaining('exited with code 1: Cannot autolaunch D-Bus'),
    });
    const missing = await createDesktopChannel({ events: ['failed'], environment: { PATH: join(temp.path, 'empty') } }).deliver(
      notificationOf(failedTask()),
      never,
    );
    expect(missing).toMatchObject({ ok: false, retry: false, message: expect.stringContaining('notify-send is not installed') });
  });
});
