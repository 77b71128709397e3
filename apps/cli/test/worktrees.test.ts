import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitRepository, createTempDir, type GitRepository, TEMPLATE_FILES, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEnvironment, runCli, stopHostWithCli } from './cli.test-helper.js';

let temp: TempDir;
let repository: GitRepository;
let env: Record<string, string | undefined>;

const cli = (args: string[]) => runCli(args, { env, cwd: repository.path, timeoutMs: 60_000 });

beforeEach(() => {
  temp = createTempDir();
  repository = createGitRepository();
  env = cliEnvironment(join(temp.path, 'home'), { CLAUDINE_CONCURRENCY: '4' });
});

afterEach(async () => {
  await stopHostWithCli(cli);
  repository.remove();
  temp.remove();
});

async function runWait(command: string, ...flags: string[]): Promise<string> {
  const run = await cli(['run', '--agent', 'command', '--worktree', '--wait', '--json', ...flags, command]);
  expect(run.code, run.stderr).toBe(0);
  const { id, status } = JSON.parse(run.stdout) as { id: string; status: string };
  expect(status).toBe('completed');
  return id;
}

describe('claudine run --worktree, diff, merge, worktree', () => {
  it('runs three tasks on one file, shows a diff, merges one, refuses a conflicting one unchanged, prunes keeping the unmerged', async () => {
    const first = await runWait(`sed -i 's/^line 1$/line 1 by the first/' src/shared.txt`);
    const second = await runWait(`sed -i 's/^line 1$/line 1 by the second/' src/shared.txt`);
    const third = await runWait(`sed -i 's/^line 9$/line 9 by the third/' src/shared.txt`);
    // The user's checkout is untouched until a merge.
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).toBe(TEMPLATE_FILES['src/shared.txt']);

    const stat = await cli(['diff', '--stat', first]);
    expect(stat.code, stat.stderr).toBe(0);
    expect(stat.stdout).toMatch(/src\/shared\.txt\s+\+1 -1\s+modified/);
    const patch = await cli(['diff', first]);
    expect(patch.stdout).toContain('+line 1 by the first');
    const json = JSON.parse((await cli(['diff', '--json', first])).stdout) as { files: Array<{ path: string }>; patch: string };
    expect(json.files.map((file) => file.path)).toEqual(['src/shared.txt']);
    expect(json.patch).toContain('-line 1\n');

    const merged = await cli(['merge', first]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain('merged task');
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).toContain('line 1 by the first');
    expect(repository.git(['log', '-1', '--format=%B'])).toContain(`Claudine-Task: ${first}`);

    const head = repository.revParse();
    const conflict = await cli(['merge', second]);
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toContain('src/shared.txt');
    expect(conflict.stderr).toContain('nothing was changed');
    expect(repository.revParse()).toBe(head);
    expect(repository.git(['status', '--porcelain'])).toBe('');

    // A dirty target: the file the merge touches has uncommitted changes.
    repository.write({ 'src/shared.txt': `${readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')}local edit\n` });
    const dirty = await cli(['merge', third]);
    expect(dirty.code).toBe(4);
    expect(dirty.stderr).toContain('src/shared.txt');
    expect(repository.revParse()).toBe(head);
    repository.git(['checkout', '--', 'src/shared.txt']);

    const listed = JSON.parse((await cli(['worktree', 'ls', '--json'])).stdout) as Array<{ id: string; present: boolean; landing: string }>;
    expect(listed.find((item) => item.id === first)).toMatchObject({ present: false, landing: 'merged' });
    expect(listed.find((item) => item.id === second)).toMatchObject({ present: true, landing: 'unmerged' });

    env = { ...env, CLAUDINE_WORKTREE_RETENTION: '0' };
    const pruned = JSON.parse((await cli(['worktree', 'prune', '--json'])).stdout) as {
      removed: Array<{ id: string }>;
      branchesDeleted: Array<{ id: string }>;
      kept: Array<{ id: string; what: string; reason: string }>;
    };
    expect(pruned.removed.map((item) => item.id).sort()).toEqual([second, third].sort());
    expect(pruned.branchesDeleted.map((item) => item.id)).toEqual([first]);
    expect(
      pruned.kept
        .filter((item) => item.what === 'branch')
        .map((item) => item.id)
        .sort(),
    ).toEqual([second, third].sort());
    // The unmerged branches are still there.
    expect(repository.revParse(`claudine/${second}`)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('gives a clear message for a worktree or branch deleted by hand', async () => {
    const id = await runWait('echo new > new.txt');
    rmSync(join(temp.path, 'home', 'worktrees', id), { recursive: true, force: true });
    const removed = await cli(['worktree', 'rm', id]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('already gone');
    expect(removed.stdout).toContain('kept its branch');
    repository.git(['branch', '-D', `claudine/${id}`]);
    const diff = await cli(['diff', id]);
    expect(diff.code).toBe(3);
    expect(diff.stderr).toContain(`claudine/${id}`);
    const merge = await cli(['merge', id]);
    expect(merge.code).toBe(3);
    expect(merge.stderr).not.toContain('    at ');
  });

  it('stacks a batch line on the worktree task of the batch it names, and resume continues in the same worktree and branch', async () => {
    const batch = join(temp.path, 'batch.jsonl');
    writeFileSync(
      batch,
      [
        { prompt: 'cat stacked.txt > seen.txt', worktree: true, dependsOn: ['below'] },
        { name: 'below', prompt: 'echo first > stacked.txt', worktree: true },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const submitted = await cli(['run', '--batch', batch, '--agent', 'command', '--json']);
    expect(submitted.code, submitted.stderr).toBe(0);
    const [above, below] = (JSON.parse(submitted.stdout) as { tasks: Array<{ id: string }> }).tasks.map((task) => task.id);
    const finished = (id: string | undefined) =>
      waitFor(
        async () => {
          const task = JSON.parse((await cli(['status', '--json', id as string])).stdout) as {
            status: string;
            worktree: { path: string; stackedOn: string | null; result: { headCommit: string } | null };
          };
          return task.status === 'completed' || task.status === 'failed' ? task : undefined;
        },
        { description: `task ${id} to end`, timeoutMs: 30_000 },
      );
    const [stacked, first] = [await finished(above), await finished(below)];
    expect(stacked).toMatchObject({ status: 'completed', worktree: { stackedOn: below } });
    expect(repository.git(['show', `claudine/${above}:seen.txt`])).toBe('first');
    expect(repository.git(['rev-parse', `claudine/${above}~1`])).toBe(first.worktree.result?.headCommit);

    const started = await cli(['run', '--worktree', '--wait', '--json', 'Start [[fake: write one.txt one; succeed Started]]']);
    expect(started.code, started.stderr).toBe(0);
    const original = JSON.parse(started.stdout) as { id: string; worktree: { path: string; result: { headCommit: string } } };
    const resumed = await cli(['resume', '--wait', '--json', original.id, 'Go on [[fake: write two.txt two; succeed Done]]']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const next = JSON.parse(resumed.stdout) as { status: string; worktree: { path: string; request: { branch: string } } };
    expect(next).toMatchObject({
      status: 'completed',
      worktree: { path: original.worktree.path, request: { branch: `claudine/${original.id}` } },
    });
    const branch = `claudine/${original.id}`;
    expect(repository.git(['rev-parse', `${branch}~1`])).toBe(original.worktree.result.headCommit);
    expect(repository.git(['show', `${branch}:one.txt`])).toBe('one');
    expect(repository.git(['show', `${branch}:two.txt`])).toBe('two');
  });

  it('refuses --worktree outside a repository', async () => {
    const outside = await runCli(['run', '--agent', 'command', '--worktree', 'true'], { env, cwd: temp.path });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('not in a git repository');
  });
});
