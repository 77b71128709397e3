import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorktreeMergeStrategy } from '@claudine/core';
import { TEMPLATE_FILES } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { expectErr, expectOk, type WorkspaceFixture, workspaceFixture } from './workspace.test-helper.js';

// A task that edits `files` in its worktree and ends; returns its head.
async function runTask(fixture: WorkspaceFixture, id: string, files: Record<string, string | null>, commits = 1): Promise<string> {
  const { repository, workspace } = fixture;
  const base = repository.revParse('main');
  const worktree = await fixture.taskWorktree(id, base);
  for (let index = 1; index < commits; index += 1)
    repository.commit({ [`${id}-${index}.txt`]: `commit ${index}\n` }, `${id} step ${index}`, worktree.path);
  repository.write(files, worktree.path);
  return expectOk(
    await workspace.commitLeftovers({ path: worktree.path, branch: `claudine/${id}`, baseCommit: base, message: `task ${id}\n` }),
  ).head;
}

function lines(changes: Record<number, string>): string {
  return `${Array.from({ length: 10 }, (_, index) => changes[index + 1] ?? `line ${index + 1}`).join('\n')}\n`;
}

// Everything of the user's a merge could change: their branches, the checkout's index, files and status.
function snapshot(fixture: WorkspaceFixture): string {
  const { repository } = fixture;
  return [
    repository
      .git(['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'])
      .split('\n')
      .filter((line) => !line.startsWith('refs/heads/claudine/'))
      .join('\n'),
    repository.git(['ls-files', '--stage']),
    repository.git(['status', '--porcelain', '--untracked-files=all']),
    readFileSync(join(repository.path, 'src/shared.txt'), 'utf8'),
  ].join('\n---\n');
}

describe('merging a task', () => {
  it('three tasks change one file in parallel: the user’s checkout is untouched until a merge, two land, the third conflicts and changes nothing', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const before = snapshot(fixture);
    const [one, two] = await Promise.all([
      runTask(fixture, 'one', { 'src/shared.txt': lines({ 2: 'two from task one' }) }),
      runTask(fixture, 'two', { 'src/shared.txt': lines({ 8: 'eight from task two' }) }),
      runTask(fixture, 'three', { 'src/shared.txt': lines({ 2: 'two from task three' }) }),
    ]);
    expect(snapshot(fixture)).toBe(before);

    const first = expectOk(
      await workspace.merge({ repository: repository.path, branch: 'claudine/one', message: 'Task one\n\nPrompt: edit line 2\n' }),
    );
    expect(first).toMatchObject({ target: 'main', strategy: 'squash', updatedCheckouts: [repository.path] });
    expect(repository.git(['log', '-1', '--format=%B', 'main'])).toBe('Task one\n\nPrompt: edit line 2');
    expect(repository.git(['rev-list', '--parents', '-1', 'main']).split(' ')).toHaveLength(2);
    expect(repository.git(['ls-tree', 'main', 'src/shared.txt'])).toBe(repository.git(['ls-tree', one, 'src/shared.txt']));
    const second = expectOk(await workspace.merge({ repository: repository.path, branch: 'claudine/two', message: 'Task two\n' }));
    expect(second.previousTarget).toBe(first.commit);
    expect(two).not.toBe(second.commit);
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).toBe(lines({ 2: 'two from task one', 8: 'eight from task two' }));
    expect(repository.git(['status', '--porcelain'])).toBe('');

    const settled = snapshot(fixture);
    const conflict = expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/three', message: 'Task three\n' }));
    expect(conflict).toMatchObject({ kind: 'conflict', files: ['src/shared.txt'], commit: null });
    expect(conflict.message).toContain('nothing was changed');
    expect(conflict.message).toContain('rebase onto main');
    expect(snapshot(fixture)).toBe(settled);
  });

  it.each<[WorktreeMergeStrategy, number]>([
    ['squash', 1],
    ['merge', 2],
    ['rebase', 1],
  ])('lands with %s, the checkout’s index and files updated', async (strategy, parents) => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const head = await runTask(fixture, 't', { 'src/shared.txt': lines({ 5: 'five from the task' }), 'added.txt': 'added\n' }, 3);
    repository.commit({ 'main.txt': 'main moved on\n' }, 'main moves on');
    const outcome = expectOk(
      await workspace.merge({ repository: repository.path, branch: 'claudine/t', strategy, message: 'Squashed task\n' }),
    );
    expect(repository.revParse('main')).toBe(outcome.commit);
    expect(repository.git(['rev-list', '--parents', '-1', outcome.commit]).split(' ')).toHaveLength(parents + 1);
    expect(readFileSync(join(repository.path, 'added.txt'), 'utf8')).toBe('added\n');
    expect(readFileSync(join(repository.path, 't-2.txt'), 'utf8')).toBe('commit 2\n');
    expect(readFileSync(join(repository.path, 'main.txt'), 'utf8')).toBe('main moved on\n');
    expect(repository.git(['status', '--porcelain'])).toBe('');
    expect(outcome.files.map((file) => file.path).sort()).toEqual(['added.txt', 'src/shared.txt', 't-1.txt', 't-2.txt']);
    if (strategy === 'rebase') {
      expect(repository.git(['log', '--format=%s', `${outcome.previousTarget}..main`]).split('\n')).toEqual([
        'task t',
        't step 2',
        't step 1',
      ]);
      expect(repository.git(['log', '-1', '--format=%an', 'main'])).toBe('Fixture User');
    }
    if (strategy === 'merge') expect(repository.git(['rev-parse', `${outcome.commit}^2`])).toBe(head);
    // The task's branch is kept as it was.
    expect(repository.revParse('claudine/t')).toBe(head);
  });

  it('refuses a target checkout with uncommitted changes to files the merge touches, and keeps other changes through a merge', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    await runTask(fixture, 't', { 'src/shared.txt': lines({ 3: 'three from the task' }), 'new/dir/file.txt': 'new\n' });
    repository.write({ 'src/shared.txt': lines({ 9: 'nine, uncommitted' }) });
    const before = snapshot(fixture);
    const dirty = expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/t' }));
    expect(dirty).toMatchObject({ kind: 'dirty_target', checkout: repository.path, files: ['src/shared.txt'] });
    expect(dirty.message).toContain('commit or stash them');
    expect(snapshot(fixture)).toBe(before);

    // An untracked file where the merge puts a directory is in the way too.
    repository.git(['checkout', '--', 'src/shared.txt']);
    repository.write({ new: 'an untracked file\n' });
    expect(expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/t' }))).toMatchObject({
      kind: 'dirty_target',
      files: ['new/dir/file.txt'],
    });
    repository.write({ new: null, 'README.md': 'my own edit\n', 'scratch.txt': 'mine\n' });
    repository.git(['add', 'README.md']);
    expectOk(await workspace.merge({ repository: repository.path, branch: 'claudine/t' }));
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).toBe(lines({ 3: 'three from the task' }));
    expect(readFileSync(join(repository.path, 'README.md'), 'utf8')).toBe('my own edit\n');
    expect(repository.git(['status', '--porcelain'])).toBe('M  README.md\n?? scratch.txt');
  });

  it('refuses a target checkout in the middle of a merge', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    await runTask(fixture, 't', { 'added.txt': 'added\n' });
    repository.git(['checkout', '--quiet', '-b', 'side']);
    repository.commit({ 'README.md': 'side\n' }, 'side');
    repository.git(['checkout', '--quiet', 'main']);
    repository.commit({ 'README.md': 'main\n' }, 'main');
    expect(() => repository.git(['merge', 'side'])).toThrow();
    expect(expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/t' })).kind).toBe('target_busy');
  });

  it('merges into a branch that is not checked out by moving only its ref, and stacks a task on another', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    repository.git(['branch', 'release']);
    const first = await runTask(fixture, 'first', { 'first.txt': 'first\n' });
    await fixture.endedTask('second', { 'second.txt': 'second\n' }, first);
    const before = snapshot(fixture);
    const outcome = expectOk(
      await workspace.merge({ repository: repository.path, branch: 'claudine/second', target: 'release', strategy: 'merge' }),
    );
    expect(outcome.updatedCheckouts).toEqual([]);
    expect(repository.git(['ls-tree', '--name-only', 'release'])).toContain('first.txt');
    expect(repository.git(['ls-tree', '--name-only', 'release'])).toContain('second.txt');
    expect(snapshot(fixture).split('\n---\n').slice(1)).toEqual(before.split('\n---\n').slice(1));
  });

  it('says when there is nothing to merge, the branch is gone, or the target does not exist', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    await runTask(fixture, 'empty', {});
    expect(expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/empty' })).kind).toBe('nothing_to_merge');
    await runTask(fixture, 't', { 'added.txt': 'added\n' });
    expect(expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/t', target: 'nope' })).kind).toBe(
      'target_missing',
    );
    expectOk(await workspace.merge({ repository: repository.path, branch: 'claudine/t' }));
    for (const strategy of ['squash', 'rebase'] as const) {
      expect(expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/t', strategy })).kind).toBe(
        'nothing_to_merge',
      );
    }
    expectOk(await workspace.removeWorktree({ repository: repository.path, path: fixture.worktreePath('t'), branch: 'claudine/t' }));
    repository.git(['branch', '-D', 'claudine/t']);
    expect(expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/t' }))).toMatchObject({
      kind: 'branch_missing',
      message: expect.stringContaining('deleted by hand'),
    });
  });

  it('stops a rebase at the commit that conflicts and changes nothing', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    await runTask(fixture, 't', { 'src/shared.txt': lines({ 1: 'one from the task' }) }, 2);
    repository.commit({ 'src/shared.txt': lines({ 1: 'one on main' }) }, 'main edits line 1');
    const before = snapshot(fixture);
    const conflict = expectErr(await workspace.merge({ repository: repository.path, branch: 'claudine/t', strategy: 'rebase' }));
    expect(conflict).toMatchObject({ kind: 'conflict', files: ['src/shared.txt'], commit: repository.revParse('claudine/t') });
    expect(snapshot(fixture)).toBe(before);
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).not.toBe(TEMPLATE_FILES['src/shared.txt']);
  });
});
