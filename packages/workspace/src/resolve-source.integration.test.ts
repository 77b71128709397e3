import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectErr, expectOk, workspaceFixture } from './workspace.test-helper.js';

describe('resolving a submit', () => {
  it('finds the top level, the relative cwd, HEAD as the base, the branch and no uncommitted changes', async () => {
    const { repository, workspace } = workspaceFixture();
    const source = expectOk(await workspace.resolveSource({ cwd: join(repository.path, 'packages', 'app') }));
    expect(source).toEqual({
      repository: repository.path,
      commonDir: join(repository.path, '.git'),
      relativeCwd: 'packages/app',
      baseCommit: repository.revParse(),
      checkedOutBranch: 'main',
      uncommittedChanges: 0,
    });
    expect(expectOk(await workspace.resolveSource({ cwd: repository.path })).relativeCwd).toBe('');
  });

  it('resolves --base to a commit at submit, so later commits do not move it', async () => {
    const { repository, workspace } = workspaceFixture();
    const first = repository.revParse('HEAD~1');
    repository.git(['tag', '-a', '-m', 'v1', 'v1', first]);
    const source = expectOk(await workspace.resolveSource({ cwd: repository.path, base: 'v1' }));
    repository.commit({ 'later.txt': 'later\n' }, 'later');
    expect(source.baseCommit).toBe(first);
    expect(expectOk(await workspace.resolveSource({ cwd: repository.path, base: 'main~1' })).baseCommit).toBe(
      repository.revParse('HEAD~1'),
    );
  });

  it('counts uncommitted changes, tracked and untracked, but not ignored files', async () => {
    const { repository, workspace } = workspaceFixture();
    repository.write({ 'README.md': 'changed\n', 'new.txt': 'new\n', '.env': 'SECRET=1\n', 'debug.log': 'x\n' });
    repository.git(['mv', 'src/shared.txt', 'src/moved.txt']);
    const source = expectOk(await workspace.resolveSource({ cwd: repository.path }));
    expect(source.uncommittedChanges).toBe(3);
  });

  it('reports a detached HEAD as no branch', async () => {
    const { repository, workspace } = workspaceFixture();
    repository.git(['checkout', '--quiet', '--detach']);
    expect(expectOk(await workspace.resolveSource({ cwd: repository.path })).checkedOutBranch).toBeNull();
  });

  it.each([
    ['a directory outside any repository', 'not_a_repository', 'not in a git repository'],
    ['a bare repository', 'bare_repository', 'bare repository'],
    ['the .git directory', 'inside_git_directory', 'inside a git directory'],
    ['a repository without commits', 'no_commits', 'no commit yet'],
    ['an unknown base', 'unknown_base', 'names no commit'],
    ['a missing directory', 'cwd_missing', 'does not exist'],
  ])('refuses %s with a message saying what to do', async (what, kind, fragment) => {
    const { repository, workspace } = workspaceFixture();
    const elsewhere = join(repository.scratch, 'plain');
    mkdirSync(elsewhere);
    let request: { cwd: string; base?: string } = { cwd: elsewhere };
    if (kind === 'bare_repository') {
      repository.git(['init', '--quiet', '--bare', join(repository.scratch, 'bare.git')]);
      request = { cwd: join(repository.scratch, 'bare.git') };
    } else if (kind === 'inside_git_directory') request = { cwd: join(repository.path, '.git') };
    else if (kind === 'no_commits') {
      repository.git(['init', '--quiet', join(repository.scratch, 'empty')]);
      request = { cwd: join(repository.scratch, 'empty') };
    } else if (kind === 'unknown_base') request = { cwd: repository.path, base: 'no-such-branch' };
    else if (kind === 'cwd_missing') request = { cwd: join(repository.scratch, 'missing') };
    const refusal = expectErr(await workspace.resolveSource(request));
    expect(refusal.kind, what).toBe(kind);
    expect(refusal.message).toContain(fragment);
  });
});
