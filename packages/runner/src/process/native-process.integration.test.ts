import { readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '@claudine/core';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createClaudeAgent } from '../agents/claude-agent.js';
import { createProcessRunner } from '../process-runner.js';
import { createRunnerFixture, type RunnerFixture } from '../runs.test-helper.js';
import { cgroupV2Of } from './cgroup-v2.js';
import { canCreateCgroups, scratchCgroup } from './cgroups.test-helper.js';

// Agents started by vfork from the runner's own process (the default on Linux where the native
// module is built): what that start adds to what every start gives (process-runner tests).

let fixture: RunnerFixture;

beforeEach(() => {
  fixture = createRunnerFixture();
});

afterEach(() => fixture.dispose());

const cgroupsAvailable = canCreateCgroups();

// What each descriptor of this process refers to (`pipe:[inode]`, a path, ...).
function openDescriptors(): string[] {
  const targets: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      targets.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // Closed meanwhile (the directory's own descriptor, say).
    }
  }
  return targets;
}

async function runScript(script: string, options: { cgroup?: string } = {}) {
  const runner = fixture.runner();
  const events: RunEvent[] = [];
  const subject = fixture.task({ agent: 'command', prompt: script });
  const handle = runner.start(subject, { ...options, onEvent: (event) => events.push(event) });
  const result = await handle.done;
  return { runner, result, events, stdout: await fixture.output(subject.id, ['stdout']) };
}

describe('agents started by vfork from the runner', () => {
  it('is how the runner starts them by default, with no broker', () => {
    const runner = fixture.runner();
    expect(runner.spawner).toBe('direct');
    expect(runner.spawnMethod()).toEqual({ method: 'vfork' });
    expect(runner.bornInCgroup).toBe(true);
  });

  it('identifies the agent by the start time it had, read before it could be reaped', async () => {
    const { result, events } = await runScript('exit 0');
    expect(result.failure).toBeNull();
    const started = events.find((event) => event.kind === 'started');
    expect(started?.kind === 'started' && started.process.startTime).toMatch(/^[0-9a-f-]+:\d+$/);
  });

  it.runIf(cgroupsAvailable)('starts the agent in the cgroup it is given, the runner staying where it is', async () => {
    const cgroup = scratchCgroup('born');
    if (cgroup === undefined) throw new Error('could not create a cgroup');
    onTestFinished(() => rmdirSync(cgroup.directory));
    const own = cgroupV2Of('self')?.path;
    const { result, stdout } = await runScript('cat /proc/self/cgroup', { cgroup: cgroup.directory });
    expect(result.failure).toBeNull();
    expect(stdout).toContain(`0::${cgroup.path}\n`);
    expect(cgroupV2Of('self')?.path).toBe(own);
  });

  it('starts the agent outside a cgroup that cannot be entered, rather than not at all', async () => {
    const { result, stdout } = await runScript('echo started', { cgroup: '/proc/claudine-not-a-cgroup' });
    expect(result.failure).toBeNull();
    expect(stdout).toBe('started\n');
  });

  it('counts what each agent used, read just before it was reaped, and nothing else this process did', async () => {
    const warm = await runScript('true');
    const runner = warm.runner;
    const before = runner.reapedCounters();
    if (before === null) throw new Error('no counters');
    const bytes = 3_000_000;
    const subject = fixture.task({
      agent: 'command',
      prompt: `head -c ${bytes} /dev/zero > /dev/null; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done`,
    });
    let atReap: ReturnType<typeof runner.reapedCounters> = null;
    const handle = runner.start(subject, {
      onEvent(event) {
        if (event.kind === 'reaped') atReap = runner.reapedCounters();
      },
    });
    expect((await handle.done).failure).toBeNull();
    const after = runner.reapedCounters();
    if (atReap === null || after === null) throw new Error('no counters at the reap');
    // Already there when the runner said the agent was reaped, and nothing added since.
    expect(atReap).toEqual(after);
    const read = after.readChars - before.readChars;
    const written = after.writtenChars - before.writtenChars;
    expect(read).toBeGreaterThanOrEqual(bytes);
    expect(written).toBeGreaterThanOrEqual(bytes);
    // The shell reads its libraries and script too, but nowhere near another megabyte; the
    // runner's own log writes are not the agent's.
    expect(read).toBeLessThan(bytes + 1_000_000);
    expect(written).toBeLessThan(bytes + 100_000);
    expect(after.userTicks + after.systemTicks).toBeGreaterThan(before.userTicks + before.systemTicks);
  });

  it('leaves no descriptor of its own open, whether the agent ran or could not start', async () => {
    const runner = createProcessRunner({
      logsDirectory: fixture.logs,
      agents: { claude: createClaudeAgent({ command: join(fixture.temp.path, 'no-such-claude') }) },
    });
    await runner.start(fixture.task({ agent: 'command', prompt: 'true' })).done;
    const before = new Set(openDescriptors());
    for (let index = 0; index < 5; index += 1) {
      const ran = await runner.start(fixture.task({ agent: 'command', prompt: 'echo out; echo err >&2' })).done;
      expect(ran.failure).toBeNull();
      const missing = await runner.start(fixture.task({ agent: 'claude', prompt: 'hello' })).done;
      expect(missing.failure).toMatchObject({ reason: 'spawn_error', detail: expect.stringContaining('not found') });
    }
    // What this process has open besides (other work may close descriptors meanwhile): none of
    // the pipes given to agents, nor any of their logs.
    const left = openDescriptors().filter((target) => !before.has(target));
    expect(left.filter((target) => target.startsWith('pipe:') || target.startsWith(fixture.temp.path))).toEqual([]);
  });

  it('gives the agent its whole prompt on stdin, far larger than a pipe holds', async () => {
    const runner = fixture.runner();
    const prompt = `[[fake: echo-prompt]] ${'x'.repeat(2_000_000)}`;
    const subject = fixture.task({ agent: 'claude', prompt });
    const result = await runner.start(subject).done;
    expect(result.failure).toBeNull();
    expect(result.report?.resultText).toBe(prompt);
  });
});
