import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnWatched } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { BatchSubmittedJson, TaskListJson } from '../src/json-shapes.js';
import { cliPath } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

// `claudine run --batch`: JSON lines, one task each, stored all or none.

const session = useCliSession();

const lines = (...tasks: readonly unknown[]): string => `${tasks.map((task) => JSON.stringify(task)).join('\n')}\n`;

async function storedCount(): Promise<number> {
  const listed = await session.cli(['ls', '--json', '--limit', '1000']);
  return TaskListJson.parse(JSON.parse(listed.stdout)).tasks.length;
}

describe('claudine run --batch', () => {
  it('stores a workflow whose lines name each other beside real ids, prints the ids in input order, and runs it', async () => {
    const earlier = await session.submit('echo earlier');
    const batch = join(session.workdir, 'workflow.jsonl');
    writeFileSync(
      batch,
      lines(
        // A name may be given before the line that defines it.
        { name: 'review', prompt: 'echo review', dependsOn: ['test', earlier], passResults: true },
        { name: 'build', prompt: 'echo build' },
        { name: 'test', prompt: 'echo test', dependsOn: ['build'], labels: ['ci'] },
        { prompt: 'echo unnamed', priority: 'P0', timeout: '5m' },
      ),
    );
    const run = await session.cli(['run', '--batch', batch, '--agent', 'command', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { tasks } = BatchSubmittedJson.parse(JSON.parse(run.stdout));
    expect(tasks.map((task) => task.name)).toEqual(['review', 'build', 'test', null]);
    const [review, build, test, unnamed] = tasks.map((task) => task.id) as [string, string, string, string];
    expect(new Set([review, build, test, unnamed, earlier]).size).toBe(5);

    const reviewed = await session.task(review);
    expect([...reviewed.dependsOn].sort()).toEqual([earlier, test].sort());
    expect(reviewed.agent).toBe('command');
    expect(reviewed.passDependencyResults).toBe(true);
    expect((await session.task(test)).dependsOn).toEqual([build]);
    expect((await session.task(test)).labels).toEqual(['ci']);
    const other = await session.task(unnamed);
    expect(other).toMatchObject({ priority: 'P0', timeoutMs: 300_000, dependsOn: [] });

    const done = await session.waitForStatus(review, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const finished = await Promise.all([build, test].map((id) => session.task(id)));
    for (const task of finished) expect(task.finishedAt).toBeLessThanOrEqual(done.startedAt as number);

    // Without --json: the ids alone, one per line, in input order (stdin this time).
    const plain = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines({ name: 'first', prompt: 'true' }, { prompt: 'true', dependsOn: ['first'] }),
    });
    expect(plain.code).toBe(0);
    const ids = plain.stdout.trim().split('\n');
    expect(ids).toHaveLength(2);
    expect((await session.task(ids[1] as string)).dependsOn).toEqual([ids[0]]);
  }, 60_000);

  it('stores nothing when a line in the middle is invalid, and names the line and the field', async () => {
    await session.submit('true');
    const invalid = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines({ name: 'a', prompt: 'true' }, { prompt: 'true', maxTurns: 0, agent: 'claude' }, { prompt: 'true', dependsOn: ['a'] }),
    });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('line 2: maxTurns takes a whole number, 1 or more');
    const unknownField = await session.cli(['run', '--batch', '-'], {
      input: `${lines({ prompt: 'true', agent: 'command' })}\n${lines({ prompt: 'true', agnet: 'command' })}`,
    });
    expect(unknownField.code).toBe(2);
    expect(unknownField.stderr).toContain('line 3: agnet: not a task field');
    const notJson = await session.cli(['run', '--batch', '-', '-a', 'command'], { input: `${lines({ prompt: 'true' })}{"prompt": \n` });
    expect(notJson.stderr).toContain('line 2: not JSON');
    // A check that needs the configuration (the longest timeout) names its line too.
    const tooLong = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines({ prompt: 'true' }, { prompt: 'true' }, { prompt: 'true', timeout: '30d' }),
    });
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('line 3: The timeout 30 d is longer than the maximum');
    const unknownId = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines({ prompt: 'true' }, { prompt: 'true', dependsOn: ['3k9x2m4qab'] }),
    });
    expect(unknownId.stderr).toContain('line 2: unknown task id in dependsOn: 3k9x2m4qab');
    const unknownName = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines({ prompt: 'true', dependsOn: ['buidl'] }, { name: 'build', prompt: 'true' }),
    });
    expect(unknownName.stderr).toContain('line 1: dependsOn: "buidl" is neither a task id nor the name of a task in this batch');
    const duplicate = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines({ name: 'a', prompt: 'true' }, { name: 'a', prompt: 'true' }),
    });
    expect(duplicate.stderr).toContain('line 2: name: the name "a" is already the name of line 1');
    expect(await storedCount()).toBe(1);
  }, 60_000);

  it('refuses a cycle among the names, naming it, and stores nothing', async () => {
    const cycle = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines(
        { name: 'plan', prompt: 'true' },
        { name: 'build', prompt: 'true', dependsOn: ['plan', 'review'] },
        { name: 'test', prompt: 'true', dependsOn: ['build'] },
        { name: 'review', prompt: 'true', dependsOn: ['test'] },
      ),
    });
    expect(cycle.code).not.toBe(0);
    expect(cycle.stderr).toContain('cycle: build → review → test → build');
    const itself = await session.cli(['run', '--batch', '-', '-a', 'command'], {
      input: lines({ name: 'alone', prompt: 'true', dependsOn: ['alone'] }),
    });
    expect(itself.stderr).toContain('cycle: alone → alone');
    expect(await storedCount()).toBe(0);
  });

  it.runIf(existsSync('/usr/bin/time'))(
    'reads 10,000 lines from stdin with memory bounded by the tasks, not the input',
    async () => {
      // Each line carries a 2 KiB prompt: 20 MiB of input in all.
      const filler = 'x'.repeat(2048);
      const input = (count: number): string =>
        Array.from({ length: count }, (_, index) => `{"prompt": "echo ${index} # ${filler}", "agent": "command"}\n`).join('');
      const small = await peakRss(input(10));
      const large = await peakRss(input(10_000));
      expect(large.ids).toHaveLength(10_000);
      expect(new Set(large.ids).size).toBe(10_000);
      expect(await totalTasks()).toBe(10_010);
      // The tasks themselves are held for the one transaction: each prompt as the batch's task
      // and again as the stored row returned, with the lines already read still waiting for the
      // collector (three times the 20 MiB of prompts), and each task's fields in its three
      // forms (request, prepared task, stored row: a few KiB). Holding the raw input besides,
      // or a copy of it per step, would go over.
      const boundKiB = 3.5 * 20 * 1024 + 10_000 * 8;
      expect(large.maxRssKiB - small.maxRssKiB).toBeLessThan(boundKiB);
    },
    120_000,
  );
});

async function totalTasks(): Promise<number> {
  const status = await session.cli(['status', '--json']);
  const { counts } = JSON.parse(status.stdout) as { counts: Record<string, number> };
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

// Runs `claudine run --batch -` under GNU time and reads its peak resident set size.
async function peakRss(input: string): Promise<{ ids: string[]; maxRssKiB: number }> {
  const run = spawnWatched('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, cliPath, 'run', '--batch', '-'], {
    cwd: session.workdir,
    env: session.env as NodeJS.ProcessEnv,
  });
  run.child.stdin.end(input);
  const { code, stdout, stderr } = await run.exited;
  const match = /maxrss=(\d+)/.exec(stderr);
  if (code !== 0 || match === null) throw new Error(`run --batch failed (${code}): ${stderr}`);
  return { ids: stdout.trim().split('\n'), maxRssKiB: Number(match[1]) };
}
