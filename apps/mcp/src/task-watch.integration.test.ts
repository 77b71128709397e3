import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@claudine/core';
import { type Claudine, openClaudine } from '@claudine/runtime';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTaskNotifier, type TaskNotice } from './task-notifier.js';
import { createTaskWatch } from './task-watch.js';

// Real data directories, no host: another client (as another process would) changes the tasks.

let temp: TempDir;
let workdir: string;
let claudine: Claudine;
let other: Claudine;

beforeEach(() => {
  temp = createTempDir();
  workdir = join(temp.path, 'work');
  mkdirSync(workdir);
  const home = join(temp.path, 'home');
  claudine = openClaudine({ home, environment: {}, autoStartHost: false });
  other = openClaudine({ home, environment: {}, autoStartHost: false });
});

afterEach(() => {
  claudine.close();
  other.close();
  temp.remove();
});

const submit = async (prompt = 'true'): Promise<Task> => (await claudine.submit({ prompt, agent: 'command', cwd: workdir })).task;

describe('createTaskWatch', () => {
  it('reports a change made by another client, and watches nothing once nothing is followed', async () => {
    const watch = createTaskWatch(claudine, { pollMs: 60_000 });
    expect(watch.following()).toBe(false);
    const task = await submit();
    const changes: Array<[string, string]> = [];
    const unfollow = watch.follow([task], (current, previous) => changes.push([previous.status, current.status]));
    expect(watch.following()).toBe(true);
    await other.cancel(task.id, 'changed my mind');
    // The poll is a minute: only the client's wake signal can explain a prompt report.
    await waitFor(() => changes.length > 0, { description: 'the change', timeoutMs: 5000 });
    expect(changes).toEqual([['queued', 'cancelled']]);
    unfollow();
    expect(watch.following()).toBe(false);
    watch.close();
  });

  it('compares with the version it was given, so a change before the first read is not lost', async () => {
    const watch = createTaskWatch(claudine, { pollMs: 60_000 });
    const task = await submit();
    await other.cancel(task.id);
    const seen = await new Promise<Task>((resolve) => {
      watch.follow([task], (current) => resolve(current));
    });
    expect(seen.status).toBe('cancelled');
    watch.close();
    expect(watch.following()).toBe(false);
  });
});

describe('createTaskNotifier', () => {
  it('announces a tracked task once when it ends, and nothing about others', async () => {
    const watch = createTaskWatch(claudine, { pollMs: 60_000 });
    const notices: TaskNotice[] = [];
    const notifier = createTaskNotifier(watch, (notice) => notices.push(notice));
    const tracked = await submit('echo tracked');
    const untracked = await submit('echo untracked');
    notifier.track(tracked);
    await other.cancel(untracked.id);
    await other.cancel(tracked.id, 'superseded');
    await waitFor(() => notices.length > 0, { description: 'the notice', timeoutMs: 5000 });
    expect(notices).toEqual([
      {
        level: 'warning',
        data: `Task ${tracked.id} was cancelled (superseded): echo tracked. TaskStatus {"taskId": "${tracked.id}"} for details.`,
      },
    ]);
    // Once announced, the task is no longer followed.
    await waitFor(() => !watch.following(), { description: 'the watch to stop' });
    notifier.close();
    watch.close();
  });

  it('announces at once a task that ended as it was submitted', async () => {
    const watch = createTaskWatch(claudine);
    const notices: TaskNotice[] = [];
    const notifier = createTaskNotifier(watch, (notice) => notices.push(notice));
    const root = await submit('false');
    await other.cancel(root.id);
    const { task: dependent } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: workdir, dependsOn: [root.id] });
    expect(dependent.status).toBe('failed');
    notifier.track(dependent);
    expect(notices).toEqual([
      { level: 'error', data: expect.stringContaining(`Task ${dependent.id} failed (dependency ${root.id} was cancelled)`) },
    ]);
    expect(watch.following()).toBe(false);
    notifier.close();
    watch.close();
  });
});
