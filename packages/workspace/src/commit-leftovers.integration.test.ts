import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectErr, expectOk, type WorkspaceFixture, workspaceFixture } from './workspace.test-helper.js';

async function taskWorktree(fixture: WorkspaceFixture, id = 'task') {
  const base = fixture.repository.revParse();
  const worktree = await fixture.taskWorktree(id, base);
  return { base, worktree, request: { path: worktree.path, branch: worktree.branch, baseCommit: base, message: `Claudine task ${id}\n` } };
}

// After the save: the worktree is on the task's branch again, with nothing left uncommitted.
function expectBackOnTaskBranch(fixture: WorkspaceFixture, path: string): void {
  expect(fixture.repository.git(['symbolic-ref', 'HEAD'], { cwd: path })).toBe('refs/heads/claudine/task');
  expect(fixture.repository.git(['status', '--porcelain'], { cwd: path })).toBe('');
}

describe('committing what a task left', () => {
  it('commits tracked changes, deletions and untracked files, never ignored ones, and summarises against the base', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { base, worktree, request } = await taskWorktree(fixture);
    repository.write(
      {
        'src/shared.txt': 'line 1\nchanged\n',
        'README.md': null,
        'src/new.txt': 'a\nb\n',
        '.env': 'SECRET=1\n',
        'node_modules/x/index.js': 'x\n',
        'out.log': 'log\n',
      },
      worktree.path,
    );
    const changes = expectOk(await workspace.commitLeftovers(request));
    expect(changes).toMatchObject({ committed: true, irregularity: null, insertions: 3, deletions: 12 });
    expect(changes.files.map((file) => [file.path, file.status])).toEqual([
      ['README.md', 'deleted'],
      ['src/new.txt', 'added'],
      ['src/shared.txt', 'modified'],
    ]);
    expect(repository.revParse('claudine/task')).toBe(changes.head);
    expect(repository.git(['log', '-1', '--format=%s%n%an', changes.head])).toBe('Claudine task task\nFixture User');
    expect(repository.git(['rev-parse', `${changes.head}^`])).toBe(base);
    expect(repository.git(['ls-tree', '-r', '--name-only', changes.head])).not.toMatch(/\.env|node_modules|out\.log/);
    // The worktree is clean afterwards and the ignored files are still there.
    expect(repository.git(['status', '--porcelain'], { cwd: worktree.path })).toBe('');
    expect(readFileSync(join(worktree.path, '.env'), 'utf8')).toBe('SECRET=1\n');
  });

  it('makes no commit when nothing is left, and keeps the agent’s own commits', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { base, worktree, request } = await taskWorktree(fixture);
    expect(expectOk(await workspace.commitLeftovers(request))).toMatchObject({
      head: base,
      committed: false,
      files: [],
      insertions: 0,
      deletions: 0,
    });
    const own = repository.commit({ 'agent.txt': 'committed by the agent\n' }, 'the agent’s commit', worktree.path);
    const unchanged = expectOk(await workspace.commitLeftovers(request));
    expect(unchanged).toMatchObject({ head: own, committed: false });
    expect(unchanged.files.map((file) => file.path)).toEqual(['agent.txt']);
    repository.write({ 'more.txt': 'left after its commit\n' }, worktree.path);
    const on = expectOk(await workspace.commitLeftovers(request));
    expect(on.committed).toBe(true);
    expect(repository.git(['rev-parse', `${on.head}^`])).toBe(own);
    expect(on.files.map((file) => file.path)).toEqual(['agent.txt', 'more.txt']);
  });

  it('keeps the files of a merge left in conflict, markers included, and leaves the worktree on its branch', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { worktree, request } = await taskWorktree(fixture);
    repository.commit({ 'src/shared.txt': 'line 1 from the task\n' }, 'task change', worktree.path);
    repository.commit({ 'src/shared.txt': 'line 1 on main\n' }, 'main change');
    expect(() => repository.git(['merge', 'main'], { cwd: worktree.path })).toThrow();
    repository.write({ 'notes.txt': 'written during the conflict\n' }, worktree.path);
    const changes = expectOk(await workspace.commitLeftovers(request));
    expect(changes.irregularity).toMatchObject({ kind: 'interrupted', operation: 'merge' });
    const saved = repository.git(['show', `${changes.head}:src/shared.txt`]);
    expect(saved).toContain('<<<<<<<');
    expect(saved).toContain('line 1 from the task');
    expect(repository.git(['show', `${changes.head}:notes.txt`])).toBe('written during the conflict');
    expect(repository.git(['log', '-1', '--format=%B', changes.head])).toContain('merge in progress');
    expect(existsSync(join(repository.path, '.git/worktrees/task/MERGE_HEAD'))).toBe(false);
    expectBackOnTaskBranch(fixture, worktree.path);
  });

  it('keeps the files of a rebase stopped on a conflict and puts the branch back', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { worktree, request } = await taskWorktree(fixture);
    const taskCommit = repository.commit(
      { 'src/shared.txt': 'line 1 from the task\n', 'task.txt': 'task\n' },
      'task change',
      worktree.path,
    );
    repository.commit({ 'src/shared.txt': 'line 1 on main\n' }, 'main change');
    expect(() => repository.git(['rebase', 'main'], { cwd: worktree.path })).toThrow();
    const changes = expectOk(await workspace.commitLeftovers(request));
    expect(changes.irregularity).toMatchObject({ kind: 'interrupted', operation: 'rebase' });
    expect(repository.git(['rev-parse', `${changes.head}^`])).toBe(taskCommit);
    expect(repository.git(['show', `${changes.head}:src/shared.txt`])).toContain('>>>>>>>');
    expect(repository.git(['show', `${changes.head}:task.txt`])).toBe('task');
    expect(existsSync(join(repository.path, '.git/worktrees/task/rebase-merge'))).toBe(false);
    expectBackOnTaskBranch(fixture, worktree.path);
  });

  it('keeps commits the agent made on a detached HEAD, and remakes a branch deleted by hand', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { base, worktree, request } = await taskWorktree(fixture);
    repository.git(['checkout', '--quiet', '--detach'], { cwd: worktree.path });
    const detached = repository.commit({ 'detached.txt': 'on a detached head\n' }, 'detached', worktree.path);
    repository.write({ 'left.txt': 'left\n' }, worktree.path);
    const changes = expectOk(await workspace.commitLeftovers(request));
    expect(changes.irregularity).toMatchObject({ kind: 'off_branch', head: detached });
    expect(repository.git(['rev-parse', `${changes.head}^`])).toBe(detached);
    expect(repository.git(['symbolic-ref', 'HEAD'], { cwd: worktree.path })).toBe('refs/heads/claudine/task');

    const second = await taskWorktree(fixture, 'second');
    repository.write({ 'second.txt': 'second\n' }, second.worktree.path);
    repository.git(['update-ref', '-d', 'refs/heads/claudine/second']);
    const remade = expectOk(await workspace.commitLeftovers(second.request));
    expect(remade.irregularity).toEqual({ kind: 'branch_missing' });
    expect(repository.git(['rev-parse', `${remade.head}^`])).toBe(base);
    expect(repository.revParse('claudine/second')).toBe(remade.head);
    expect(remade.files.map((file) => file.path)).toEqual(['second.txt']);
  });

  it('saves the files of an agent killed in the middle of its own git command, which left git’s lock files behind', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { worktree, request } = await taskWorktree(fixture);
    repository.write({ 'work.txt': 'written before the kill\n' }, worktree.path);
    const gitDir = repository.git(['rev-parse', '--absolute-git-dir'], { cwd: worktree.path });
    writeFileSync(join(gitDir, 'index.lock'), '');
    writeFileSync(join(repository.path, '.git/refs/heads/claudine/task.lock'), '');
    const changes = expectOk(await workspace.commitLeftovers(request));
    expect(changes.files.map((file) => file.path)).toEqual(['work.txt']);
    expect(existsSync(join(gitDir, 'index.lock'))).toBe(false);
    expect(repository.git(['status', '--porcelain'], { cwd: worktree.path })).toBe('');
  });

  it('commits with Claudine’s name where git has none configured', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { worktree, request } = await taskWorktree(fixture);
    repository.git(['config', '--unset', 'user.name']);
    repository.git(['config', '--unset', 'user.email']);
    repository.git(['config', 'user.useConfigOnly', 'true']);
    const saved = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = join(repository.scratch, 'no-global-config');
    try {
      repository.write({ 'x.txt': 'x\n' }, worktree.path);
      const changes = expectOk(await workspace.commitLeftovers(request));
      expect(repository.git(['log', '-1', '--format=%an <%ae>', changes.head])).toBe('Claudine <claudine@localhost>');
    } finally {
      if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved;
    }
  });

  it('says so when the worktree is gone, and refuses a directory that is not a worktree', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { worktree, request } = await taskWorktree(fixture);
    rmSync(worktree.path, { recursive: true, force: true });
    expect(expectErr(await workspace.commitLeftovers(request)).kind).toBe('worktree_missing');
    // A directory inside the repository is not the top of a worktree: nothing may be committed there.
    const inside = join(repository.path, 'packages');
    expect(expectErr(await workspace.commitLeftovers({ ...request, path: inside })).kind).toBe('not_a_worktree');
    expect(repository.git(['status', '--porcelain'])).toBe('');
  });
});
