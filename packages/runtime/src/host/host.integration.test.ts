import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { identifyProcess } from '@claudine/runner';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { isProcessAlive, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { type Host, startHost } from './host.js';
import { finished, useHostFixture } from './host-fixture.test-helper.js';

const fixture = useHostFixture();
const host = (options: { lock?: boolean } = {}): Promise<Host> => fixture.host(options);
const client = (): Claudine => fixture.client();

describe('host', () => {
  it('runs submitted tasks: a command and a claude task', async () => {
    await host();
    const claudine = client();
    const command = await claudine.submit({ prompt: 'echo built', agent: 'command', cwd: fixture.workdir });
    const claude = await claudine.submit({ prompt: 'Review it [[fake: succeed Looks fine]]', agent: 'claude', cwd: fixture.workdir });
    const commandTask = await finished(claudine, command.task.id);
    expect(commandTask).toMatchObject({ status: 'completed', exitCode: 0, attempt: 1, owner: null });
    const claudeTask = await finished(claudine, claude.task.id);
    expect(claudeTask).toMatchObject({ status: 'completed', report: { resultText: 'Looks fine', isError: false } });
    expect(claudeTask.agentOptions.permissionMode).toBe('acceptEdits');
    const output = await claudine.output.read(command.task.id, { streams: ['stdout'] });
    expect(output.records.map((record) => record.text).join('')).toBe('built\n');
  });

  it('refuses a second host on the same data directory and leaves the first in charge', async () => {
    const first = await host();
    await expect(startHost({ home: fixture.home, environment: fixture.environment() })).rejects.toMatchObject({
      code: 'host_running',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    const status = await client().hostStatus();
    expect(status.running).toBe(true);
    expect(status.host?.id).toBe(first.id);
  });

  it('cancels a running task through its host, and a queued one before it starts', async () => {
    await host();
    const claudine = client();
    const running = await claudine.submit({ prompt: 'sleep 30', agent: 'command', cwd: fixture.workdir });
    await waitFor(async () => (await claudine.get(running.task.id)).pid !== null, { description: 'the task to start' });
    const outcome = await claudine.cancel(running.task.id, 'no longer needed');
    expect(outcome.kind).toBe('requested');
    const cancelled = await finished(claudine, running.task.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', failureReason: 'cancelled', statusDetail: 'no longer needed' });
    expect(isProcessAlive(cancelled.pid ?? 0)).toBe(false);
    await expect(claudine.cancel(running.task.id)).rejects.toMatchObject({ code: 'illegal_transition' });
  });

  it('retries a rate-limited claude task with backoff until it succeeds', async () => {
    const counter = join(fixture.root, 'attempts');
    await fixture.host({ extra: { CLAUDINE_RETRY_BASE_DELAY: '50ms' } });
    const claudine = client();
    const { task } = await claudine.submit({ prompt: `[[fake: rate-limit-times 2 ${counter}]]`, cwd: fixture.workdir, maxRetries: 3 });
    const done = await finished(claudine, task.id);
    expect(done).toMatchObject({ status: 'completed', attempt: 3, report: { resultText: 'Succeeded after 2 rate limits' } });
  });

  it('stops running tasks when it stops, and records them for a clean restart', async () => {
    const started = await host();
    const claudine = client();
    const { task } = await claudine.submit({ prompt: 'sleep 30', agent: 'command', cwd: fixture.workdir });
    const running = await waitFor(async () => {
      const current = await claudine.get(task.id);
      return current.pid !== null ? current : undefined;
    });
    await started.stop();
    const stopped = await claudine.get(task.id);
    expect(stopped).toMatchObject({ status: 'failed', failureReason: 'shutdown', owner: null });
    expect(isProcessAlive(running.pid ?? 0)).toBe(false);
    expect((await claudine.hostStatus()).running).toBe(false);
  });
});

describe('recovery', () => {
  // Plays a host that claimed the task and started its process, then died without a trace.
  async function orphan(taskId: string, options: { recordPid: boolean }): Promise<{ pid: number }> {
    const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env: { ...process.env, CLAUDINE_TASK_ID: taskId } });
    child.unref();
    const identity = identifyProcess(child.pid ?? 0);
    if (identity === undefined) throw new Error('no orphan');
    const store = SqliteTaskStore.open({ path: join(fixture.home, 'claudine.db') });
    try {
      await store.registerHost({ id: 'host-dead', pid: 999_999, pidStartTime: 'gone', hostname: 'vm', startedAt: 1, heartbeatAt: 1 });
      await store.claimNext({ owner: 'host-dead', maxRunning: 10, now: Date.now(), leaseExpiresAt: Date.now() + 60_000 });
      if (options.recordPid) await store.recordProcess(taskId, 'host-dead', identity, Date.now());
    } finally {
      store.close();
    }
    return { pid: identity.pid };
  }

  it("fails a dead host's running task as crashed and kills its leftover process", async () => {
    const claudine = client();
    const { task } = await claudine.submit({ prompt: 'sleep 60', agent: 'command', cwd: fixture.workdir, maxRetries: 0 });
    const { pid } = await orphan(task.id, { recordPid: true });
    await host();
    const recovered = await claudine.get(task.id);
    expect(recovered).toMatchObject({ status: 'failed', failureReason: 'crashed', statusDetail: expect.stringContaining('host-dead') });
    await waitFor(() => !isProcessAlive(pid), { description: 'the orphaned process to be killed' });
  });

  it('finds and kills a process whose pid the dead host never recorded, and requeues a task with retries left', async () => {
    const claudine = client();
    const { task } = await claudine.submit({ prompt: 'echo second attempt', agent: 'command', cwd: fixture.workdir, maxRetries: 1 });
    const { pid } = await orphan(task.id, { recordPid: false });
    await host();
    await waitFor(() => !isProcessAlive(pid), { description: 'the unrecorded orphan to be killed' });
    const done = await finished(claudine, task.id);
    expect(done).toMatchObject({ status: 'completed', attempt: 2 });
  });

  it('never touches the tasks of a live host, even one that does not hold the lock', async () => {
    const first = await host();
    const claudine = client();
    const { task } = await claudine.submit({ prompt: 'sleep 2; echo survived', agent: 'command', cwd: fixture.workdir });
    await waitFor(async () => (await claudine.get(task.id)).status === 'running', { description: 'the task to start' });
    const second = await host({ lock: false });
    expect(second.id).not.toBe(first.id);
    const done = await finished(claudine, task.id);
    expect(done, done.statusDetail ?? '').toMatchObject({ status: 'completed' });
  });
});

describe('resume', () => {
  it("continues a claude task's session with new instructions, and refuses what has no session", async () => {
    await host();
    const claudine = client();
    const first = await claudine.submit({
      prompt: 'Start [[fake: succeed Started]]',
      cwd: fixture.workdir,
      priority: 'P0',
      labels: ['feature'],
    });
    const done = await finished(claudine, first.task.id);
    const sessionId = done.report?.sessionId;
    expect(sessionId).toEqual(expect.any(String));
    const resumed = await claudine.resume(first.task.id, 'Now add tests [[fake: succeed Tests added]]');
    expect(resumed.task).toMatchObject({ agent: 'claude', cwd: fixture.workdir, priority: 'P0', labels: ['feature'] });
    expect(resumed.task.agentOptions.resumeSessionId).toBe(sessionId);
    const second = await finished(claudine, resumed.task.id);
    expect(second.report).toMatchObject({ sessionId, resultText: 'Tests added' });
    const command = await claudine.submit({ prompt: 'true', agent: 'command', cwd: fixture.workdir });
    await expect(claudine.resume(command.task.id, 'more')).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('only claude tasks'),
    });
  });
});

describe('leases', () => {
  it('stops a task whose lease another host took over, and leaves the record to that host', async () => {
    const started = await fixture.host({ extra: { CLAUDINE_HOST_LEASE: '900ms' } });
    const claudine = client();
    const { task } = await claudine.submit({ prompt: 'sleep 30', agent: 'command', cwd: fixture.workdir });
    const running = await waitFor(async () => {
      const current = await claudine.get(task.id);
      return current.pid !== null ? current : undefined;
    });
    // What a recovering host does when this one stalls past its lease.
    const store = SqliteTaskStore.open({ path: join(fixture.home, 'claudine.db') });
    try {
      const taken = await store.finish(task.id, started.id, {
        status: 'failed',
        failureReason: 'crashed',
        statusDetail: 'recovered by another host',
        exitCode: null,
        signal: null,
        report: null,
        outputTruncated: false,
        finishedAt: Date.now(),
      });
      expect(taken.ok).toBe(true);
    } finally {
      store.close();
    }
    await waitFor(() => !isProcessAlive(running.pid ?? 0), { description: 'the task process to be stopped', timeoutMs: 10_000 });
    expect(await claudine.get(task.id)).toMatchObject({ status: 'failed', statusDetail: 'recovered by another host' });
  });
});

describe('submitting', () => {
  it('refuses bad input with a message that says what to do, and stores nothing', async () => {
    const claudine = client();
    await expect(claudine.submit({ prompt: 'x', cwd: join(fixture.root, 'missing') })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('does not exist'),
    });
    await expect(claudine.submit({ prompt: '  ', cwd: fixture.workdir })).rejects.toThrow(/prompt is empty/);
    await expect(claudine.submit({ prompt: 'x', cwd: fixture.workdir, timeoutMs: 3 * 3_600_000 })).rejects.toThrow(
      /longer than the maximum 2 h/,
    );
    await expect(claudine.submit({ prompt: 'x', cwd: fixture.workdir, agent: 'command', agentOptions: { model: 'opus' } })).rejects.toThrow(
      /command agent does not take model/,
    );
    await expect(claudine.submit({ prompt: 'x', cwd: fixture.workdir, dependsOn: ['aaaaaaaaaa'] })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(claudine.get('aaaaaaaaaa')).rejects.toMatchObject({ code: 'not_found' });
    await expect(claudine.get('not an id')).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await claudine.list()).tasks).toEqual([]);
  });
});
