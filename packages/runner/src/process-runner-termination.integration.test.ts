import type { RunResult, Task } from '@claudine/core';
import { findProcessesWithMarker, isProcessAlive, waitFor } from '@claudine/test-utils';
import { describe, type ExpectStatic, it, type OnTestFinishedHandler } from 'vitest';
import { createRunnerFixture, type RunnerFixture, sigtermTimes, startedByFake, terminationOf } from './runs.test-helper.js';

// The bounds: SIGTERM within 100 ms of the deadline, the whole tree gone within the
// grace period + 500 ms.
const SIGTERM_BOUND_MS = 100;
const GONE_SLACK_MS = 500;
const GRACE_MS = 500;
// Long enough for the fake claude (a Node program) to start and set itself up on a busy machine.
const TIMEOUT_MS = 2000;

// Each test has its own fixture (and marker), so the tests can run concurrently. The clean-up
// hook must be the test's own (from its context): vitest's global onTestFinished does not know
// which of several concurrent tests is running, and would dispose of another test's fixture.
function setUp(onTestFinished: (handler: OnTestFinishedHandler) => void): RunnerFixture {
  const fixture = createRunnerFixture();
  onTestFinished(() => fixture.dispose());
  return fixture;
}

function fakeTask(fixture: RunnerFixture, directives: string, overrides: Partial<Task> = {}): Task {
  return fixture.task({ agent: 'claude', prompt: `Work on it [[fake: ${directives}]]`, timeoutMs: TIMEOUT_MS, ...overrides });
}

async function run(
  fixture: RunnerFixture,
  directives: string,
): Promise<{ result: RunResult; stderr: string; stdout: string; system: string }> {
  const subject = fakeTask(fixture, directives);
  const { handle } = fixture.start(subject, fixture.runner({ killGraceMs: GRACE_MS }));
  const result = await handle.done;
  return {
    result,
    stderr: await fixture.output(subject.id, ['stderr']),
    stdout: await fixture.output(subject.id, ['stdout']),
    system: await fixture.output(subject.id, ['system']),
  };
}

// What every timed-out run must show: the reason, SIGTERM on time, the tree gone on time,
// and no process of the task left anywhere on the machine.
function expectTimedOut(expect: ExpectStatic, fixture: RunnerFixture, result: RunResult) {
  expect(result.failure?.reason).toBe('timeout');
  expect(result.failure?.detail).toContain(`timed out after ${TIMEOUT_MS / 1000} s`);
  const termination = terminationOf(result);
  expect(termination.reason).toBe('timeout');
  const deadline = termination.deadline as number;
  expect(deadline).not.toBeNull();
  expect(termination.termAt).toBeGreaterThanOrEqual(deadline - 1);
  expect(termination.termAt - deadline).toBeLessThan(SIGTERM_BOUND_MS);
  expect(termination.goneAt - deadline).toBeLessThan(GRACE_MS + GONE_SLACK_MS);
  expect(termination.survivors).toEqual([]);
  expect(findProcessesWithMarker(fixture.marker)).toEqual([]);
  return { termination, deadline };
}

// A run timed out while the fake agent's `directive` (a process it starts, as the fake names it)
// ran on: the run's result, its termination and the pid of that process.
async function timedOutLeaving(expect: ExpectStatic, fixture: RunnerFixture, directive: string) {
  const { result, stderr } = await run(fixture, `${directive} 60000; sleep 60000`);
  const pid = startedByFake(stderr)[directive]?.[0] as number;
  expect(pid).toBeGreaterThan(0);
  return { pid, result, ...expectTimedOut(expect, fixture, result) };
}

describe.concurrent('a timed-out task', () => {
  it('that sleeps past its timeout gets SIGTERM at the deadline and keeps its output', async ({ expect, onTestFinished }) => {
    const fixture = setUp(onTestFinished);
    const { result, stdout, system } = await run(fixture, 'say halfway there; sleep 60000');
    const { termination } = expectTimedOut(expect, fixture, result);
    expect(result.signal).toBe('SIGTERM');
    expect(termination.killAt).toBeNull();
    expect(termination.goneAt - termination.termAt).toBeLessThan(GRACE_MS);
    expect(stdout).toContain('halfway there');
    expect(system).toContain('stopping (timeout)');
    expect(system).not.toContain('SIGKILL');
  });

  it('that ignores SIGTERM is killed with SIGKILL when the grace period ends', async ({ expect, onTestFinished }) => {
    const fixture = setUp(onTestFinished);
    const { result, stderr, system } = await run(fixture, 'ignore-sigterm; sleep 60000');
    const { termination, deadline } = expectTimedOut(expect, fixture, result);
    expect(result.signal).toBe('SIGKILL');
    expect(result.failure?.detail).toContain('killed after the grace period');
    // It really got SIGTERM first, from us, at the deadline and not before.
    const received = sigtermTimes(stderr);
    expect(received).toHaveLength(1);
    expect(received[0]).toBeGreaterThanOrEqual(deadline - 1);
    // SIGKILL not before the grace period is over (how soon after is the tree-gone bound).
    expect((termination.killAt as number) - termination.termAt).toBeGreaterThanOrEqual(GRACE_MS - 1);
    expect(system).toContain('SIGKILL sent to 1 process');
  });

  it('whose grandchild ignores SIGTERM does not finish before the grandchild is killed', async ({ expect, onTestFinished }) => {
    const { pid: grandchild, result, termination } = await timedOutLeaving(expect, setUp(onTestFinished), 'stubborn-grandchild');
    // The agent itself obeyed SIGTERM; its grandchild, in the same group, needed SIGKILL.
    expect(result.signal).toBe('SIGTERM');
    expect(termination.killAt).not.toBeNull();
    expect(termination.killed).toBe(1);
    expect(termination.outsideGroup).toBe(0);
    expect(isProcessAlive(grandchild)).toBe(false);
  });

  it('whose grandchild escaped into its own session (setsid) still loses it', async ({ expect, onTestFinished }) => {
    const { pid: escaped, result, termination } = await timedOutLeaving(expect, setUp(onTestFinished), 'escaped-grandchild');
    expect(result.signal).toBe('SIGTERM');
    expect(termination.outsideGroup).toBe(1);
    expect(termination.killAt).not.toBeNull();
    expect(result.failure?.detail).toContain('1 process that had left its process group');
    expect(isProcessAlive(escaped)).toBe(false);
  });

  it('whose grandchild was orphaned by a double fork still loses it', async ({ expect, onTestFinished }) => {
    const { pid: daemon, termination } = await timedOutLeaving(expect, setUp(onTestFinished), 'daemon');
    expect(termination.outsideGroup).toBe(1);
    expect(isProcessAlive(daemon)).toBe(false);
  });

  it('that exits during the grace period is not killed and finishes before the grace period ends', async ({ expect, onTestFinished }) => {
    const fixture = setUp(onTestFinished);
    const { result, stderr } = await run(fixture, 'on-sigterm 200 7; sleep 60000');
    const { termination, deadline } = expectTimedOut(expect, fixture, result);
    expect(sigtermTimes(stderr)[0]).toBeGreaterThanOrEqual(deadline - 1);
    expect(result).toMatchObject({ exitCode: 7, signal: null });
    expect(result.failure?.detail).not.toContain('killed');
    expect(termination.killAt).toBeNull();
    expect(termination.goneAt - termination.termAt).toBeGreaterThanOrEqual(150);
    expect(termination.goneAt - termination.termAt).toBeLessThan(GRACE_MS);
  });
});

describe('stopping a task on request', () => {
  it('cancels through the same path: every process goes, with the reason given', async ({ expect, onTestFinished }) => {
    const fixture = setUp(onTestFinished);
    const subject = fakeTask(fixture, 'ignore-sigterm; escaped-grandchild 60000; stubborn-grandchild 60000; sleep 60000', {
      timeoutMs: 60_000,
    });
    const { handle } = fixture.start(subject, fixture.runner({ killGraceMs: GRACE_MS }));
    await waitFor(async () => /started stubborn-grandchild/.test(await fixture.output(subject.id, ['stderr'])), {
      description: 'the grandchildren to be set up',
    });
    // The run's processes are tracked while it runs: the agent and both grandchildren.
    await waitFor(() => handle.processes().length === 3, { description: 'the agent and its grandchildren to be tracked' });
    const requestedAt = Date.now();
    handle.terminate('cancelled', 'no longer needed');
    handle.terminate('cancelled', 'asked twice');
    const result = await handle.done;
    expect(result.failure).toMatchObject({
      reason: 'cancelled',
      detail: expect.stringMatching(/^no longer needed, killed after the grace period/),
    });
    const termination = terminationOf(result);
    expect(termination).toMatchObject({ reason: 'cancelled', deadline: null, terminated: 3, outsideGroup: 1, killed: 3 });
    expect(termination.termAt - requestedAt).toBeLessThan(SIGTERM_BOUND_MS);
    expect(termination.goneAt - termination.termAt).toBeLessThan(GRACE_MS + GONE_SLACK_MS);
    expect(findProcessesWithMarker(fixture.marker)).toEqual([]);
    expect(handle.processes()).toEqual([]);
  });

  it('kills at once, without a grace period, when the host must exit now', async ({ expect, onTestFinished }) => {
    const fixture = setUp(onTestFinished);
    const runner = fixture.runner({ killGraceMs: 60_000 });
    const subject = fakeTask(fixture, 'ignore-sigterm; escaped-grandchild 60000; sleep 60000', { timeoutMs: 60_000 });
    const { handle } = fixture.start(subject, runner);
    await waitFor(async () => /started escaped-grandchild/.test(await fixture.output(subject.id, ['stderr'])), {
      description: 'the grandchild to be set up',
    });
    await waitFor(() => handle.processes().length === 2, { description: 'the agent and its grandchild to be tracked' });
    const killedAt = Date.now();
    // SIGKILL leaves before killAll returns: what is left is only the kernel tearing down.
    runner.killAll();
    await waitFor(() => findProcessesWithMarker(fixture.marker).length === 0, { description: 'every process of the task to go' });
    expect(Date.now() - killedAt).toBeLessThan(GONE_SLACK_MS);
    const result = await handle.done;
    expect(result).toMatchObject({ signal: 'SIGKILL', failure: { reason: 'shutdown' } });
  });
});

describe('an agent that exits on its own', () => {
  it('has what it left running stopped, in its group or not, before the run ends', async ({ expect, onTestFinished }) => {
    const fixture = setUp(onTestFinished);
    const { result, stderr, system } = await run(fixture, 'escaped-grandchild 60000; grandchild 60000; succeed Done');
    const started = startedByFake(stderr);
    expect(result).toMatchObject({ exitCode: 0, failure: null });
    const termination = terminationOf(result);
    expect(termination).toMatchObject({ reason: 'leftovers', terminated: 2, outsideGroup: 1, killed: 1 });
    expect(system).toContain('left processes running');
    for (const pid of [...(started['escaped-grandchild'] ?? []), ...(started.grandchild ?? [])]) expect(isProcessAlive(pid)).toBe(false);
    expect(findProcessesWithMarker(fixture.marker)).toEqual([]);
  });

  it('finishes without any termination when it leaves nothing behind', async ({ expect, onTestFinished }) => {
    const fixture = setUp(onTestFinished);
    const { result } = await run(fixture, 'succeed Done');
    expect(result).toMatchObject({ exitCode: 0, failure: null, termination: null });
  });
});
