import { readFileSync } from 'node:fs';
import { isProcessAlive, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canCreateCgroups, ownCgroup, scratchRunCgroups } from './process/cgroups.test-helper.js';
import { cgroupProcesses } from './process/run-cgroups.js';
import { createRunnerFixture, type RunnerFixture, terminationOf } from './runs.test-helper.js';

// A run given a cgroup of its own (as a host with cgroup rights gives each one): where this
// process may create cgroups (root, or a delegated cgroup), which CI machines allow.

let fixture: RunnerFixture;
let cgroups: ReturnType<typeof scratchRunCgroups>;

beforeEach(() => {
  fixture = createRunnerFixture();
  cgroups = scratchRunCgroups('run');
});

afterEach(async () => {
  await cgroups.dispose();
  fixture.dispose();
});

// Issue 17: a process that clears its environment (no task marker) and leaves the session,
// through a parent that exits at once, so no parent chain leads to it either.
const ESCAPE = `( env -i setsid sh -c 'trap "" TERM; exec sleep 120' & )`;

// The escaped `sleep 120`, found in the run's cgroup.
async function escapee(cgroup: string): Promise<number> {
  return waitFor(
    () =>
      cgroupProcesses(cgroup).find((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'latin1') === 'sleep\u0000120\u0000';
        } catch {
          return false;
        }
      }),
    { description: 'the escaped sleep to start' },
  );
}

describe.runIf(canCreateCgroups())('a run in a cgroup of its own', () => {
  it("has the agent inside before it runs, so even a shell's first child starts there", async () => {
    const runner = fixture.runner({ cgroups });
    const own = ownCgroup()?.path;
    for (let index = 0; index < 10; index += 1) {
      const subject = fixture.task({ agent: 'command', prompt: 'cat /proc/self/cgroup; true' });
      expect((await runner.start(subject).done).failure).toBeNull();
      const cgroup = cgroups.given[index] as string;
      expect(await fixture.output(subject.id, ['stdout'])).toContain(`0::${own === '/' ? '' : own}/${cgroup.split('/').pop()}\n`);
    }
    expect(ownCgroup()?.path).toBe(own);
  });

  it("enters the cgroup from the script's first line, leaving the script's line numbers as written", async () => {
    const runner = fixture.runner({ cgroups });
    // The shell names the line of a command it cannot find.
    const subject = fixture.task({ agent: 'command', prompt: '#!/bin/sh\nno-such-command-here; cat /proc/self/cgroup' });
    expect((await runner.start(subject).done).failure).toBeNull();
    const cgroup = cgroups.given[0] as string;
    expect(await fixture.output(subject.id, ['stderr'])).toMatch(/: 2: no-such-command-here: not found/);
    expect(await fixture.output(subject.id, ['stdout'])).toContain(`/${cgroup.split('/').pop()}\n`);
  });

  it('kills what escaped its group, its session and its marker when the grace period ends after a timeout', async () => {
    const subject = fixture.task({ agent: 'command', prompt: `${ESCAPE}; sleep 60`, timeoutMs: 1000 });
    const { handle } = fixture.start(subject, fixture.runner({ killGraceMs: 500, cgroups }));
    const escaped = await escapee(cgroups.given[0] as string);
    const result = await handle.done;
    expect(result.failure).toMatchObject({ reason: 'timeout', detail: expect.stringContaining('killed after the grace period') });
    // The shell and its sleep went at SIGTERM; the escapee, in the cgroup only, at the kill.
    expect(terminationOf(result)).toMatchObject({ terminated: 3, outsideGroup: 1, killed: 1 });
    expect(await fixture.output(subject.id, ['system'])).toContain('SIGKILL sent to 1 process');
    expect(isProcessAlive(escaped)).toBe(false);
    expect(cgroupProcesses(cgroups.given[0] as string)).toEqual([]);
  });

  it('kills what escaped when the agent exits and leaves it behind', async () => {
    // A moment for the escapee to set its trap: a SIGTERM before that would end it anyway.
    const subject = fixture.task({ agent: 'command', prompt: `${ESCAPE}; sleep 1` });
    const { handle } = fixture.start(subject, fixture.runner({ killGraceMs: 500, cgroups }));
    const escaped = await escapee(cgroups.given[0] as string);
    const result = await handle.done;
    expect(result).toMatchObject({ exitCode: 0, failure: null });
    expect(terminationOf(result)).toMatchObject({ reason: 'leftovers', outsideGroup: 1 });
    expect(isProcessAlive(escaped)).toBe(false);
    expect(cgroupProcesses(cgroups.given[0] as string)).toEqual([]);
  });
});
