import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TaskSchema } from '@claudine/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession();
const { cli, waitForStatus } = session;

const TaskPageSchema = z.object({ tasks: z.array(TaskSchema), nextCursor: z.number().nullable() });

describe('claudine CLI', () => {
  it('submits a command task that a host started on demand runs, then shows its status and output', async () => {
    const submitted = await cli(['run', '--agent', 'command', 'echo hello from $CLAUDINE_TASK_ID; echo oops >&2']);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^[0-9a-z]{10}$/);
    const task = await waitForStatus(id, ['completed', 'failed']);
    expect(task).toMatchObject({ status: 'completed', exitCode: 0, agent: 'command', cwd: session.workdir });
    const logs = await cli(['logs', id]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(`hello from ${id}`);
    // The task's stderr, with Claudine's own notes (on stderr too, off the task's stdout).
    expect(logs.stderr.split('\n').filter((line) => !line.startsWith('[claudine] '))).toEqual(['oops', '']);
    expect(logs.stderr).toMatch(/^\[claudine\] attempt 1: /);
    expect((await cli(['logs', '--stderr', id])).stderr).toBe('oops\n');
    const list = await cli(['ls', '--json']);
    const page = TaskPageSchema.parse(JSON.parse(list.stdout));
    expect(page.tasks.map((item) => item.id)).toEqual([id]);
    const table = await cli(['ls']);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+completed\\s+command`));
    expect(table.stdout).not.toContain('\u001b[');
  });

  it('keeps its data private: directories 0700, database and logs 0600', async () => {
    const run = await cli(['run', '--wait', '--json', '--agent', 'command', 'echo secret']);
    const id = TaskSchema.parse(JSON.parse(run.stdout)).id;
    const mode = (path: string) => statSync(path).mode & 0o777;
    for (const directory of [
      session.home,
      join(session.home, 'logs'),
      join(session.home, 'logs', id),
      join(session.home, 'signals'),
      join(session.home, 'outcomes'),
    ]) {
      expect(mode(directory)).toBe(0o700);
    }
    for (const file of ['claudine.db', 'claudine.db-wal', 'host.log']) expect(mode(join(session.home, file))).toBe(0o600);
    for (const file of readdirSync(join(session.home, 'logs', id))) expect(mode(join(session.home, 'logs', id, file))).toBe(0o600);
  });

  it('runs a claude task with --wait, shows a transcript, and exits 0', async () => {
    const run = await cli(['run', '--wait', 'Check the build [[fake: say Looking at it; tool Bash; succeed Build is green]]']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Looking at it');
    expect(run.stdout).toContain('→ Bash(echo fake)');
    expect(run.stdout).toContain('✓ done (3 turns');
    const list = TaskPageSchema.parse(JSON.parse((await cli(['ls', '--json'])).stdout));
    expect(list.tasks[0]).toMatchObject({
      status: 'completed',
      agent: 'claude',
      report: { resultText: 'Build is green', turns: 3, sessionId: expect.any(String) },
    });
    expect(list.tasks[0]?.report?.costUsd).toBeGreaterThan(0);
  });

  it('exits with the exit code of the task it waited for, and reads the prompt from stdin', async () => {
    const run = await cli(['run', '--wait', '--agent', 'command', '-'], { input: 'echo partial; exit 7' });
    expect(run.code).toBe(7);
    expect(run.stdout).toContain('partial');
    expect(run.stderr).toContain('failed: exited with code 7');
    const timeout = await cli(['run', '--wait', '--agent', 'command', '--timeout', '300ms', 'sleep 20']);
    expect(timeout.code).toBe(124);
    expect(timeout.stderr).toContain('timed out after');
  });

  it('prints JSON for run --json', async () => {
    const run = await cli(['run', '--json', '--agent', 'command', '-p', 'P0', '-l', 'build', 'true']);
    const body = z.object({ id: z.string(), status: z.string(), task: TaskSchema }).parse(JSON.parse(run.stdout));
    expect(body.task).toMatchObject({ id: body.id, priority: 'P0', labels: ['build'] });
  });

  it('cancels a running task', async () => {
    const id = (await cli(['run', '--agent', 'command', 'sleep 30'])).stdout.trim();
    await waitForStatus(id, ['running']);
    const cancel = await cli(['cancel', id, '--reason', 'changed plan']);
    expect(cancel.code).toBe(0);
    const task = await waitForStatus(id, ['cancelled', 'failed', 'completed']);
    expect(task).toMatchObject({ status: 'cancelled', statusDetail: 'changed plan' });
    const again = await cli(['cancel', id]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('already cancelled');
  });

  it('refuses bad input with a clear message and a meaningful exit code, writing nothing', async () => {
    const badCwd = await cli(['run', '--cwd', join(session.root, 'nowhere'), 'do it']);
    expect(badCwd).toMatchObject({ code: 2, stdout: '' });
    expect(badCwd.stderr).toMatch(/nowhere does not exist: create it/);
    const empty = await cli(['run', '  ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the prompt is empty');
    const badTimeout = await cli(['run', '--timeout', 'soon', 'x']);
    expect(badTimeout.code).toBe(2);
    const unknownFlag = await cli(['run', '--colour', 'red', 'x']);
    expect(unknownFlag.code).toBe(2);
    const unknown = await cli(['status', 'aaaaaaaaaa']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('No task has id aaaaaaaaaa');
    const list = TaskPageSchema.parse(JSON.parse((await cli(['ls', '--json'])).stdout));
    expect(list.tasks).toEqual([]);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a second host on the same data directory', async () => {
    const started = await cli(['host', 'start', '--json']);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ started: true, pid: expect.any(Number) });
    const second = await cli(['host']);
    expect(second.code).toBe(4);
    expect(second.stderr).toContain('Another Claudine host');
  });
});
