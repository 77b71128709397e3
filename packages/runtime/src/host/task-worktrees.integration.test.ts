import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NewTaskInput } from '@claudine/core';
import { createGitRepository, type GitRepository, TEMPLATE_FILES, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostEntryPath } from '../client/ensure-host.js';
import { finished, useHostFixture } from './host-fixture.test-helper.js';

const fixture = useHostFixture({ CLAUDINE_CONCURRENCY: '4' });
let repository: GitRepository;
const children: ChildProcess[] = [];

beforeEach(() => {
  repository = createGitRepository();
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  repository.remove();
});

function command(prompt: string, extra: Partial<NewTaskInput> = {}): NewTaskInput {
  return { prompt, agent: 'command', cwd: repository.path, worktree: true, maxRetries: 0, ...extra };
}

function fileAt(branch: string, path: string): string {
  return repository.git(['show', `${branch}:${path}`]);
}

describe('worktree tasks', () => {
  it('runs three tasks changing the same file in parallel, each on its own branch, the checkout untouched', async () => {
    await fixture.host();
    const claudine = fixture.client();
    const head = repository.revParse();
    const submitted = await Promise.all(
      [1, 2, 3].map((line) => claudine.submit(command(`sed -i 's/^line ${line}$/line ${line} changed/' src/shared.txt`))),
    );
    for (const { task, warnings } of submitted) {
      expect(warnings).toEqual([]);
      expect(task.worktree).toMatchObject({
        request: { repository: repository.path, baseCommit: head, branch: `claudine/${task.id}`, relativeCwd: '' },
        path: join(fixture.home, 'worktrees', task.id),
        result: null,
      });
    }
    const ended = await Promise.all(submitted.map(({ task }) => finished(claudine, task.id)));
    ended.forEach((task, index) => {
      expect(task.status).toBe('completed');
      expect(task.worktree?.result).toMatchObject({ filesChanged: 1, insertions: 1, deletions: 1 });
      const branch = `claudine/${task.id}`;
      expect(repository.revParse(branch)).toBe(task.worktree?.result?.headCommit);
      expect(fileAt(branch, 'src/shared.txt')).toContain(`line ${index + 1} changed`);
      expect(repository.git(['log', '-1', '--format=%B', branch])).toContain(`Claudine-Task: ${task.id}`);
    });
    expect(repository.revParse()).toBe(head);
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).toBe(TEMPLATE_FILES['src/shared.txt']);
    expect(repository.git(['status', '--porcelain'])).toBe('');
  });

  it('refuses a cwd outside a repository and an unknown base, and warns of uncommitted changes', async () => {
    const claudine = fixture.client();
    await expect(claudine.submit({ ...command('true'), cwd: fixture.workdir })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('cannot have a worktree'),
    });
    await expect(claudine.submit(command('true', { base: 'no-such-branch' }))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(claudine.submit({ ...command('true'), worktree: false, base: 'main' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('--worktree'),
    });
    repository.write({ 'src/shared.txt': 'edited by hand\n', 'notes.txt': 'new\n' });
    const dirty = await claudine.submit(command('true'));
    expect(dirty.warnings).toHaveLength(1);
    expect(dirty.warnings[0]).toContain('2 uncommitted changes');
    expect((await claudine.list({ worktree: true })).tasks.map((task) => task.id)).toEqual([dirty.task.id]);
  });

  it('makes worktrees the default with worktree.default, for a cwd in a repository only; --no-worktree overrides it', async () => {
    const claudine = fixture.client({ overrides: { worktree: { default: true } } });
    expect((await claudine.submit({ prompt: 'true', agent: 'command', cwd: repository.path })).task.worktree).not.toBeNull();
    expect((await claudine.submit({ prompt: 'true', agent: 'command', cwd: fixture.workdir })).task.worktree).toBeNull();
    expect((await claudine.submit({ prompt: 'true', agent: 'command', cwd: repository.path, worktree: false })).task.worktree).toBeNull();
  });

  it('runs in the same subdirectory, copies .worktreeinclude files, runs the setup into the log', async () => {
    repository.commit({ '.worktreeinclude': '.env\n' }, 'include .env');
    repository.write({ '.env': 'SECRET=1\n' });
    await fixture.host();
    const claudine = fixture.client();
    const { task } = await claudine.submit(
      command('pwd > where.txt; cat ../../.env > seen.txt; cat ../../setup.txt >> seen.txt', {
        cwd: join(repository.path, 'packages/app'),
        setup: 'echo set up > setup.txt; echo setup-output-line',
      }),
    );
    const done = await finished(claudine, task.id);
    expect(done.status).toBe('completed');
    const branch = `claudine/${task.id}`;
    expect(fileAt(branch, 'packages/app/where.txt')).toBe(join(fixture.home, 'worktrees', task.id, 'packages/app'));
    expect(fileAt(branch, 'packages/app/seen.txt')).toBe('SECRET=1\nset up');
    // The copy of .env is ignored, so never committed; the setup's own file is the agent's to keep or not.
    expect(() => fileAt(branch, '.env')).toThrow();
    const log = (await claudine.output.tail(task.id, 50)).records.map((record) => record.text).join('');
    expect(log).toContain('setup-output-line');
  });

  it('fails a task whose setup fails with setup_failed, its agent never started', async () => {
    await fixture.host();
    const claudine = fixture.client();
    const { task } = await claudine.submit(command('touch agent-ran', { setup: 'echo broken install >&2; exit 3' }));
    const done = await finished(claudine, task.id);
    expect(done).toMatchObject({ status: 'failed', failureReason: 'setup_failed' });
    expect(done.statusDetail).toContain('exited with code 3');
    expect(existsSync(join(fixture.home, 'worktrees', task.id, 'agent-ran'))).toBe(false);
    const log = (await claudine.output.tail(task.id, 50)).records.map((record) => record.text).join('');
    expect(log).toContain('broken install');
  });

  it('stacks a task that depends on one worktree task on its head, and --base <task id> the same way', async () => {
    await fixture.host();
    const claudine = fixture.client();
    const below = await claudine.submit(command('echo first > stacked.txt'));
    const above = await claudine.submit(command('cat stacked.txt > seen.txt', { dependsOn: [below.task.id] }));
    const named = await claudine.submit(command('cat stacked.txt > named.txt', { base: below.task.id }));
    expect(above.task.worktree?.stackedOn).toBe(below.task.id);
    expect(named.task.dependsOn).toEqual([below.task.id]);
    const [first, second, third] = await Promise.all([below, above, named].map(({ task }) => finished(claudine, task.id)));
    expect([first?.status, second?.status, third?.status]).toEqual(['completed', 'completed', 'completed']);
    expect(second?.worktree?.request.baseCommit).toBe(first?.worktree?.result?.headCommit);
    expect(fileAt(`claudine/${above.task.id}`, 'seen.txt')).toBe('first');
    expect(fileAt(`claudine/${named.task.id}`, 'named.txt')).toBe('first');
    // Its own change is counted against the head it started from.
    expect(second?.worktree?.result?.filesChanged).toBe(1);
  });

  it('stacks a batch task on the one worktree task of the same batch it names in dependsOn', async () => {
    await fixture.host();
    const claudine = fixture.client();
    const head = repository.revParse();
    // The stacked one comes first: names are resolved whatever the order.
    const [above, below, beside] = await claudine.submitMany([
      { ...command('cat stacked.txt > seen.txt'), dependsOn: ['below'] },
      { ...command('echo first > stacked.txt'), name: 'below' },
      { ...command('test ! -e stacked.txt'), dependsOn: ['below', 'other'] },
      { ...command('true'), name: 'other' },
    ]);
    expect(above?.worktree).toMatchObject({ stackedOn: below?.id, request: { baseCommit: head } });
    expect(above?.dependsOn).toEqual([below?.id]);
    // Two worktree tasks below it: it starts from the base, as a task depending on two stored ones.
    expect(beside?.worktree?.stackedOn).toBeNull();
    const [first, second, third] = await Promise.all([below, above, beside].map((task) => finished(claudine, task?.id as string)));
    expect([first?.status, second?.status, third?.status]).toEqual(['completed', 'completed', 'completed']);
    expect(second?.worktree?.request.baseCommit).toBe(first?.worktree?.result?.headCommit);
    expect(fileAt(`claudine/${above?.id}`, 'seen.txt')).toBe('first');
    expect(second?.worktree?.result?.filesChanged).toBe(1);
  });

  it('resumes a finished worktree task in the same worktree and on the same branch', async () => {
    await fixture.host();
    const claudine = fixture.client();
    const { task } = await claudine.submit({ ...command('Start [[fake: write first.txt one; succeed Started]]'), agent: 'claude' });
    const first = await finished(claudine, task.id);
    expect(first.status).toBe('completed');
    const branch = `claudine/${task.id}`;
    const firstHead = repository.revParse(branch);
    const resumed = await claudine.resume(task.id, 'Go on [[fake: write second.txt two; succeed Done]]');
    expect(resumed.task.worktree).toMatchObject({
      path: first.worktree?.path,
      request: { branch, baseCommit: first.worktree?.request.baseCommit },
    });
    const second = await finished(claudine, resumed.task.id);
    expect(second.status).toBe('completed');
    expect(second.report?.sessionId).toBe(first.report?.sessionId);
    // Its commit lands on top of the first run's, on the same branch; its change is the whole work.
    expect(repository.git(['rev-parse', `${branch}~1`])).toBe(firstHead);
    expect(fileAt(branch, 'first.txt')).toBe('one');
    expect(fileAt(branch, 'second.txt')).toBe('two');
    expect(second.worktree?.result).toMatchObject({ headCommit: repository.revParse(branch), filesChanged: 2 });
    expect(readFileSync(join(first.worktree?.path as string, 'second.txt'), 'utf8')).toBe('two\n');
  });

  it('initialises the submodules of the worktree before the agent starts', async () => {
    // The submodule is cloned from a local path, which git refuses by default since 2.38.1.
    const saved = { ...process.env };
    Object.assign(process.env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'protocol.file.allow', GIT_CONFIG_VALUE_0: 'always' });
    const library = createGitRepository('claudine-submodule-');
    try {
      library.commit({ 'lib.txt': 'library v1\n' }, 'v1');
      repository.git(['submodule', '--quiet', 'add', library.path, 'vendor/lib']);
      repository.git(['commit', '--quiet', '-m', 'add the library']);
      library.commit({ 'lib.txt': 'library v2\n' }, 'v2');
      await fixture.host();
      const claudine = fixture.client();
      const { task } = await claudine.submit(command('cat vendor/lib/lib.txt > seen.txt'));
      const done = await finished(claudine, task.id);
      expect(done.status, done.statusDetail ?? '').toBe('completed');
      expect(fileAt(`claudine/${task.id}`, 'seen.txt')).toBe('library v1');
    } finally {
      library.remove();
      for (const name of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });

  it('commits what a task left when its host was killed mid-task, before recovery fails it', async () => {
    const environment = fixture.environment({ CLAUDINE_RETRY_ON_CRASH: 'false' });
    const child = spawn(process.execPath, [hostEntryPath(), '--home', fixture.home], {
      env: environment as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    children.push(child);
    const claudine = fixture.client({ extra: { CLAUDINE_RETRY_ON_CRASH: 'false' } });
    const { task } = await claudine.submit(command('echo half done > progress.txt; sleep 60'));
    const progress = join(fixture.home, 'worktrees', task.id, 'progress.txt');
    await waitFor(() => existsSync(progress), { description: 'the task to write its progress', timeoutMs: 20_000 });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await fixture.host({ extra: { CLAUDINE_RETRY_ON_CRASH: 'false' } });
    const done = await finished(claudine, task.id);
    expect(done).toMatchObject({ status: 'failed', failureReason: 'crashed' });
    expect(done.worktree?.result?.filesChanged).toBe(1);
    expect(fileAt(`claudine/${task.id}`, 'progress.txt')).toBe('half done');
  });
});
