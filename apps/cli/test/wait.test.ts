import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WaitJson } from '../src/json-shapes.js';
import { type CliSession, createCliSession } from './session.test-helper.js';

// `claudine wait`: the way to wait for a batch, or for any tasks submitted earlier.

let session: CliSession;

beforeEach(() => {
  session = createCliSession();
});

afterEach(() => session.close());

describe('claudine wait', () => {
  it('waits for the ids a batch printed, one line per task, exiting with the first failure', async () => {
    const batch = [{ prompt: 'sleep 1; echo slow' }, { prompt: 'exit 3' }, { prompt: 'true' }];
    const run = await session.cli(['run', '--batch', '-', '--agent', 'command'], {
      input: batch.map((line) => JSON.stringify(line)).join('\n'),
    });
    expect(run.code).toBe(0);
    const ids = run.stdout.trim().split('\n');
    expect(ids).toHaveLength(3);

    const wait = await session.cli(['wait', '-'], { input: run.stdout });
    expect(wait.stderr).toBe('');
    expect(wait.stdout.trim().split('\n')).toEqual([`${ids[0]} completed`, `${ids[1]} failed: exited with code 3`, `${ids[2]} completed`]);
    // As `run --wait` reports the failed task: its own exit code.
    expect(wait.code).toBe(3);
    for (const id of ids) expect((await session.task(id)).finishedAt).not.toBeNull();

    const again = await session.cli(['wait', '--json', ids[0] as string, ids[2] as string]);
    expect(again.code).toBe(0);
    const answer = WaitJson.parse(JSON.parse(again.stdout));
    expect(answer.finished).toBe(true);
    expect(answer.tasks.map((task) => [task.id, task.status])).toEqual([
      [ids[0], 'completed'],
      [ids[2], 'completed'],
    ]);
  });

  it('stops at --timeout with 124, names what is unfinished, and leaves it running', async () => {
    const slow = await session.submit('sleep 30');
    const wait = await session.cli(['wait', '-t', '1s', slow]);
    expect(wait.code).toBe(124);
    expect(wait.stderr).toContain(`still unfinished: ${slow}`);
    expect((await session.task(slow)).status).toMatch(/queued|running/);
    await session.cli(['cancel', slow]);
  });

  it('refuses an unknown id before waiting, and an empty stdin', async () => {
    const done = await session.submit('true');
    const unknown = await session.cli(['wait', done, 'zzzzzzzzzz']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('zzzzzzzzzz');
    expect(unknown.stdout).toBe('');
    const empty = await session.cli(['wait', '-'], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no task ids on stdin');
  });
});
