import { type ChildProcess, spawn } from 'node:child_process';
import { findProcessesWithMarker, isProcessAlive, waitFor } from '@claudine/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { CancelJson, TaskJson, TaskListJson } from '../src/json-shapes.js';
import { cliPath } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

// Housekeeping (and so recovery of a dead host's tasks) runs every lease period.
const session = useCliSession({ CLAUDINE_HOST_LEASE: '2s' });

const children: ChildProcess[] = [];
const stopped: number[] = [];

afterEach(async () => {
  for (const pid of stopped.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGCONT');
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function hostPid(): Promise<number> {
  const status = await session.cli(['host', 'status', '--json']);
  return z.object({ host: z.object({ pid: z.number() }) }).parse(JSON.parse(status.stdout)).host.pid;
}

async function killHard(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !isProcessAlive(pid), { description: `process ${pid} to die` });
}

const processesOf = (id: string): number[] => findProcessesWithMarker(`CLAUDINE_TASK_ID=${id}`);

describe('after its host is SIGKILLed', () => {
  it('cancels a running task for good: the cancel starts a host, which records it cancelled, and it never runs again', async () => {
    const id = await session.submit('sleep 123');
    await session.waitForStatus(id, ['running']);
    await waitFor(() => processesOf(id).length > 0, { description: 'the task to run' });
    await killHard(await hostPid());

    const cancel = await session.cli(['cancel', id, '--reason', 'not needed']);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(
      `${id} was running, but its host is gone: started a host, which stops what is left of it and records it cancelled\n`,
    );
    const task = await session.waitForStatus(id, ['cancelled', 'failed', 'completed', 'queued']);
    expect(task).toMatchObject({ status: 'cancelled', failureReason: 'cancelled', statusDetail: 'not needed', attempt: 1 });
    await waitFor(() => processesOf(id).length === 0, { description: 'what was left of the task to be stopped' });
    // The host that recovered it is still up and has nothing more to run.
    expect((await session.cli(['host', 'status'])).code).toBe(0);
    expect((await session.task(id)).attempt).toBe(1);
    const json = CancelJson.parse(JSON.parse((await session.cli(['cancel', id, '--json'])).stdout));
    expect(json).toEqual([{ id, outcome: null, status: null, error: expect.stringContaining('already cancelled'), hostGone: null }]);
  });

  it('shows a task whose host died as running with no host, until a host recovers it and ends it at its deadline', async () => {
    // The lock holder is alive but frozen, so nothing recovers the task until it is thawed; the
    // task itself runs on a second host that shares the data directory and is then killed.
    const holder = await hostPid().catch(async () => {
      await session.cli(['host', 'start']);
      return hostPid();
    });
    process.kill(holder, 'SIGSTOP');
    stopped.push(holder);
    const shared = spawn(process.execPath, [cliPath, 'host', 'run', '--shared'], {
      env: session.env as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    children.push(shared);
    const id = await session.submit('sleep 40', '-t', '2s');
    const running = await session.waitForStatus(id, ['running']);
    await waitFor(() => processesOf(id).length > 0, { description: 'the task to run' });
    await killHard(shared.pid as number);
    // Past its deadline, no host watches it: it still runs, and says so.
    await waitFor(() => Date.now() > (running.startedAt ?? 0) + 3000, { description: 'the deadline to pass', timeoutMs: 10_000 });
    expect(processesOf(id).length).toBeGreaterThan(0);
    const table = await session.cli(['ls']);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+running \\(no host\\)\\s+command`));
    const details = await session.cli(['status', id]);
    expect(details.stdout).toMatch(/status\s+running \(no host\)/);
    expect(details.stdout).toMatch(/host\s+host-\w+ is gone; a new host recovers the task/);
    expect(TaskJson.parse(JSON.parse((await session.cli(['status', id, '--json'])).stdout))).toMatchObject({
      status: 'running',
      hostGone: true,
    });
    const listed = TaskListJson.parse(JSON.parse((await session.cli(['ls', '--json'])).stdout));
    expect(listed.tasks).toMatchObject([{ id, hostGone: true }]);

    // Once the lock holder runs again, its recovery ends the task as timed out and kills it.
    process.kill(holder, 'SIGCONT');
    const ended = await session.waitForStatus(id, ['failed', 'completed', 'cancelled']);
    expect(ended).toMatchObject({ status: 'failed', failureReason: 'timeout', attempt: 1 });
    expect(ended.statusDetail).toMatch(/^timed out after 2 s \(its host host-\w+ stopped while it ran/);
    await waitFor(() => processesOf(id).length === 0, { description: 'the task to be killed' });
  });

  it('has a read command start a host, so recovery and the deadline resume at once', async () => {
    const id = await session.submit('sleep 40', '-t', '2s');
    const running = await session.waitForStatus(id, ['running']);
    await killHard(await hostPid());
    await waitFor(() => Date.now() > (running.startedAt ?? 0) + 2500, { description: 'the deadline to pass', timeoutMs: 10_000 });
    expect((await session.cli(['host', 'status'])).code).toBe(1);
    const before = Date.now();
    expect((await session.cli(['logs', id])).code).toBe(0);
    const ended = await session.waitForStatus(id, ['failed', 'completed', 'cancelled', 'queued']);
    expect(ended).toMatchObject({ status: 'failed', failureReason: 'timeout', attempt: 1 });
    expect(Date.now() - before).toBeLessThan(5000);
    await waitFor(() => processesOf(id).length === 0, { description: 'the task to be killed' });
  });
});
