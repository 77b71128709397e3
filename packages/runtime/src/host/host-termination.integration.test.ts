import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { findProcessesWithMarker, isProcessAlive, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { hostEntryPath } from '../client/ensure-host.js';
import type { Host } from './host.js';
import { finished, useHostFixture } from './host-fixture.test-helper.js';

const GRACE_MS = 500;

const fixture = useHostFixture({ CLAUDINE_TIMEOUT_KILL_GRACE: `${GRACE_MS}ms`, CLAUDINE_CONCURRENCY: '4' });
const host = (extra: Record<string, string> = {}): Promise<Host> => fixture.host({ extra });
const client = (): Claudine => fixture.client();
// Processes a test started itself, and the marker its tasks' processes carry: both are killed
// after each test, whatever it left behind.
const children: ChildProcess[] = [];
let markerValue = '';
let marker = '';

beforeEach(() => {
  markerValue = Math.random().toString(36).slice(2);
  marker = `CLAUDINE_TEST_MARKER=${markerValue}`;
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of findProcessesWithMarker(marker)) process.kill(pid, 'SIGKILL');
});

// A claude task run by the fake agent, carrying the test's marker so /proc finds its processes.
function fakeClaude(claudine: Claudine, directives: string, options: { timeoutMs?: number; maxRetries?: number } = {}) {
  return claudine.submit({
    prompt: `Work on it [[fake: ${directives}]]`,
    cwd: fixture.workdir,
    agentOptions: { env: { CLAUDINE_TEST_MARKER: markerValue } },
    ...options,
  });
}

async function stderrOf(claudine: Claudine, id: string): Promise<string> {
  const slice = await claudine.output.read(id, { streams: ['stderr'] });
  return slice.records.map((record) => record.text).join('');
}

// Waits until the fake agent of each task has set up everything its directives ask for.
async function setUp(claudine: Claudine, ids: readonly string[], pattern: RegExp): Promise<void> {
  for (const id of ids) {
    await waitFor(async () => pattern.test(await stderrOf(claudine, id)), { description: `task ${id} to be set up`, timeoutMs: 15_000 });
  }
}

describe('timeouts in the host', () => {
  it('warns, records the warning, then fails the task as timed out with its signal and output kept', async () => {
    await host({ CLAUDINE_TIMEOUT_WARN_AT: '0.5' });
    const claudine = client();
    const { task } = await fakeClaude(claudine, 'say started the work; escaped-grandchild 60000; sleep 60000', { timeoutMs: 2000 });
    const warned = await waitFor(
      async () => {
        const current = await claudine.get(task.id);
        return current.warnedAt !== null ? current : undefined;
      },
      { description: 'the warning to be recorded' },
    );
    expect(warned.status).toBe('running');
    const done = await finished(claudine, task.id);
    expect(done).toMatchObject({
      status: 'failed',
      failureReason: 'timeout',
      signal: 'SIGTERM',
      statusDetail: expect.stringContaining('timed out after 2 s'),
    });
    expect(done.warnedAt).toBe(warned.warnedAt);
    expect(done.statusDetail).toContain('had left its process group');
    const log = await claudine.output.read(task.id, {});
    const text = log.records.map((record) => record.text).join('');
    expect(text).toContain('started the work');
    expect(text).toMatch(/\[claudine\] warning: 1 s left before the timeout/);
    expect(text).toContain('stopping (timeout)');
    expect(findProcessesWithMarker(marker)).toEqual([]);
  });
});

describe('cancelling', () => {
  it('never starts a queued task it cancels, and refuses to cancel a finished one', async () => {
    await host({ CLAUDINE_CONCURRENCY: '1' });
    const claudine = client();
    const blocker = await fakeClaude(claudine, 'sleep 60000');
    await waitFor(async () => (await claudine.get(blocker.task.id)).pid !== null, { description: 'the blocker to start' });
    const queued = await fakeClaude(claudine, 'succeed should never run');
    const outcome = await claudine.cancel(queued.task.id, 'not needed after all');
    expect(outcome.kind).toBe('cancelled');
    await claudine.cancel(blocker.task.id);
    await finished(claudine, blocker.task.id);
    const cancelled = await claudine.get(queued.task.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', statusDetail: 'not needed after all', attempt: 0, startedAt: null, pid: null });
    expect(await claudine.attempts(queued.task.id)).toEqual([]);
    await expect(claudine.cancel(queued.task.id)).rejects.toMatchObject({
      code: 'illegal_transition',
      message: `Task ${queued.task.id} is already cancelled; there is nothing to cancel.`,
    });
    await expect(claudine.cancel(blocker.task.id)).rejects.toMatchObject({ code: 'illegal_transition' });
  });
});

describe('retries', () => {
  it('retries a transient failure with growing delays up to the limit, recording each attempt', async () => {
    await host({ CLAUDINE_RETRY_BASE_DELAY: '200ms' });
    const claudine = client();
    const { task } = await fakeClaude(claudine, 'rate-limit', { maxRetries: 2 });
    const done = await finished(claudine, task.id);
    expect(done).toMatchObject({ status: 'failed', failureReason: 'agent_error', attempt: 3, report: { errorKind: 'rate_limit' } });
    const attempts = await claudine.attempts(task.id);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['requeued', 'requeued', 'failed']);
    expect(attempts[0]?.detail).toContain('retry 1 of 2');
    // Equal jitter: retry n waits between half and all of 200 ms * 2^(n-1).
    const gap = (index: number): number => (attempts[index]?.startedAt ?? 0) - (attempts[index - 1]?.finishedAt ?? 0);
    expect(gap(1)).toBeGreaterThanOrEqual(100);
    expect(gap(2)).toBeGreaterThanOrEqual(200);
  });

  it('does not retry a permanent failure', async () => {
    await host({ CLAUDINE_RETRY_BASE_DELAY: '50ms' });
    const claudine = client();
    const { task } = await fakeClaude(claudine, 'fail the build is broken', { maxRetries: 3 });
    const done = await finished(claudine, task.id);
    expect(done).toMatchObject({ status: 'failed', failureReason: 'agent_error', statusDetail: 'the build is broken', attempt: 1 });
    expect((await claudine.attempts(task.id)).map((attempt) => attempt.outcome)).toEqual(['failed']);
  });
});

describe('host shutdown', () => {
  it('terminates every running task tree, records each as shut down, and leaves nothing to recover', async () => {
    const started = await host();
    const claudine = client();
    const submitted = await Promise.all([
      fakeClaude(claudine, 'sleep 60000'),
      fakeClaude(claudine, 'ignore-sigterm; stubborn-grandchild 60000; sleep 60000'),
      fakeClaude(claudine, 'escaped-grandchild 60000; daemon 60000; sleep 60000'),
    ]);
    const ids = submitted.map((outcome) => outcome.task.id);
    await setUp(claudine, ids.slice(1, 2), /started stubborn-grandchild/);
    await setUp(claudine, ids.slice(2), /started daemon/);
    await waitFor(async () => (await Promise.all(ids.map((id) => claudine.get(id)))).every((task) => task.pid !== null), {
      description: 'every task to run',
    });
    const stopAt = Date.now();
    await started.stop();
    expect(Date.now() - stopAt).toBeLessThan(GRACE_MS + 2000);
    for (const id of ids) {
      expect(await claudine.get(id)).toMatchObject({ status: 'failed', failureReason: 'shutdown', owner: null, leaseExpiresAt: null });
      expect((await claudine.attempts(id)).map((attempt) => attempt.outcome)).toEqual(['failed']);
    }
    expect(findProcessesWithMarker(marker)).toEqual([]);
    expect((await claudine.hostStatus()).running).toBe(false);
    const lines: string[] = [];
    await fixture.host({ log: (line) => lines.push(line) });
    expect(lines.filter((line) => line.startsWith('recovered'))).toEqual([]);
  });

  it('stops on SIGTERM as a process, and on a second signal kills every task at once and exits', async () => {
    const claudine = client();
    const { task: first } = await fakeClaude(claudine, 'ignore-sigterm; escaped-grandchild 60000; sleep 60000');
    const child = spawn(process.execPath, [hostEntryPath(), '--home', fixture.home], {
      env: fixture.environment({ CLAUDINE_TIMEOUT_KILL_GRACE: '60s' }) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await setUp(claudine, [first.id], /started escaped-grandchild/);
    child.kill('SIGTERM');
    await waitFor(() => stderr.includes('stopping running tasks'), { description: 'the host to start stopping' });
    // The grace period is a minute: only the second signal can make it exit now.
    const secondAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(Date.now() - secondAt).toBeLessThan(2000);
    await waitFor(() => findProcessesWithMarker(marker).length === 0, { description: 'the killed task processes to go', timeoutMs: 2000 });
    expect(stderr).toContain('killing every task process and exiting now');
    // Whether it had time to record the task or not, the next host leaves it finished.
    await host();
    const after = await claudine.get(first.id);
    expect(after.status).toBe('failed');
    expect(['shutdown', 'crashed']).toContain(after.failureReason);
  });
});

describe('recovery', () => {
  it("kills a dead host's leftover that escaped its task's process group, found by the task id it carries", async () => {
    const claudine = client();
    const { task } = await claudine.submit({ prompt: 'sleep 60', agent: 'command', cwd: fixture.workdir, maxRetries: 0 });
    // An escaped descendant of the task (its own session), whose root process is long gone.
    const leftover = spawn('setsid', ['sh', '-c', "trap '' TERM; sleep 60"], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, CLAUDINE_TASK_ID: task.id, CLAUDINE_TEST_MARKER: markerValue },
    });
    children.push(leftover);
    await waitFor(() => findProcessesWithMarker(marker).length > 0, { description: 'the leftover to run' });
    const store = SqliteTaskStore.open({ path: join(fixture.home, 'claudine.db') });
    try {
      await store.registerHost({ id: 'host-dead', pid: 999_999, pidStartTime: 'gone', hostname: 'vm', startedAt: 1, heartbeatAt: 1 });
      await store.claimNext({ owner: 'host-dead', maxRunning: 10, now: Date.now(), leaseExpiresAt: Date.now() + 60_000 });
      await store.recordProcess(task.id, 'host-dead', { pid: 999_998, startTime: 'gone' }, Date.now());
    } finally {
      store.close();
    }
    await host();
    const recovered = await claudine.get(task.id);
    expect(recovered).toMatchObject({
      status: 'failed',
      failureReason: 'crashed',
      statusDetail: expect.stringMatching(/leftover process(es were| was) killed/),
    });
    expect(findProcessesWithMarker(marker)).toEqual([]);
    expect(isProcessAlive(leftover.pid ?? 0)).toBe(false);
  });
});
