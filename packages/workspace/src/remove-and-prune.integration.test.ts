import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskUsage } from './disk-usage.js';
import { expectErr, expectOk, type WorkspaceFixture, workspaceFixture } from './workspace.test-helper.js';

async function endedTask(fixture: WorkspaceFixture, id: string, files: Record<string, string | null>) {
  const { worktree, changes } = await fixture.endedTask(id, files, fixture.repository.revParse('main'));
  return { worktree, head: changes.head, remove: { repository: fixture.repository.path, path: worktree.path, branch: worktree.branch } };
}

describe('removing worktrees and pruning branches', () => {
  it('refuses to remove a worktree with uncommitted changes, or commits not on the branch; removes it once they are committed', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { worktree, remove } = await endedTask(fixture, 't', { 'done.txt': 'done\n' });
    repository.write({ 'later.txt': 'edited after the task\n', '.env': 'ignored\n' }, worktree.path);
    const refusal = expectErr(await workspace.removeWorktree(remove));
    expect(refusal).toMatchObject({ kind: 'uncommitted_changes', files: ['later.txt'] });
    expect(existsSync(worktree.path)).toBe(true);

    expectOk(
      await workspace.commitLeftovers({
        path: worktree.path,
        branch: worktree.branch,
        baseCommit: repository.revParse('main'),
        message: 'later\n',
      }),
    );
    repository.git(['checkout', '--quiet', '--detach'], { cwd: worktree.path });
    repository.commit({ 'detached.txt': 'x\n' }, 'on a detached head', worktree.path);
    expect(expectErr(await workspace.removeWorktree(remove)).kind).toBe('commits_off_branch');

    repository.git(['checkout', '--quiet', worktree.branch], { cwd: worktree.path });
    expect(await diskUsage(worktree.path)).toBeGreaterThan(0);
    expect(expectOk(await workspace.removeWorktree(remove))).toEqual({ outcome: 'removed' });
    expect(existsSync(worktree.path)).toBe(false);
    expect(await diskUsage(worktree.path)).toBe(0);
    expect(repository.git(['worktree', 'list', '--porcelain'])).not.toContain(worktree.path);
    // The branch is kept.
    expect(repository.git(['branch', '--list', 'claudine/t'])).toContain('claudine/t');
  });

  it('gives a worktree deleted by hand a clear outcome and prunes git’s record of it', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const { worktree, remove } = await endedTask(fixture, 't', { 'done.txt': 'done\n' });
    rmSync(worktree.path, { recursive: true, force: true });
    expect(expectOk(await workspace.listWorktrees(repository.path)).find((entry) => entry.path === worktree.path)?.prunable).not.toBeNull();
    expect(expectOk(await workspace.removeWorktree(remove))).toEqual({ outcome: 'already_gone' });
    expect(repository.git(['worktree', 'list', '--porcelain'])).not.toContain(worktree.path);

    const other = await endedTask(fixture, 'u', {});
    rmSync(other.worktree.path, { recursive: true, force: true });
    expect(expectOk(await workspace.pruneRecords(repository.path))).toEqual({ pruned: [other.worktree.path] });
    expect(expectOk(await workspace.pruneRecords(repository.path))).toEqual({ pruned: [] });
  });

  it('keeps an unmerged branch and deletes a landed one: by a recorded squash, by containment, or by force', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const unmerged = await endedTask(fixture, 'unmerged', { 'a.txt': 'a\n' });
    const squashed = await endedTask(fixture, 'squashed', { 'b.txt': 'b\n' });
    const merged = await endedTask(fixture, 'merged', { 'c.txt': 'c\n' });
    for (const task of [unmerged, squashed, merged]) expectOk(await workspace.removeWorktree(task.remove));
    expectOk(await workspace.merge({ repository: repository.path, branch: 'claudine/squashed', message: 'squashed\n' }));
    expectOk(await workspace.merge({ repository: repository.path, branch: 'claudine/merged', strategy: 'merge' }));

    const kept = expectErr(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/unmerged' }));
    expect(kept).toMatchObject({ kind: 'not_landed', target: 'main', commits: 1 });
    expect(kept.message).toContain('--force');
    // After a squash git calls the branch unmerged: only the recorded merge lets it go.
    expect(expectErr(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/squashed' })).kind).toBe('not_landed');
    expect(expectOk(await workspace.branchLanding({ repository: repository.path, branch: 'claudine/merged' })).kind).toBe('contained');
    expect(expectOk(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/squashed', merged: true }))).toEqual({
      commit: squashed.head,
      because: 'merged',
    });
    expect(expectOk(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/merged' })).because).toBe('contained');
    expect(repository.git(['branch', '--list', 'claudine/unmerged'])).toContain('claudine/unmerged');
    expect(expectOk(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/unmerged', force: true })).because).toBe(
      'forced',
    );
    expect(repository.git(['branch', '--list', 'claudine/*'])).toBe('');
  });

  it('keeps a branch checked out in a worktree, and says so when a branch was deleted by hand', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    const task = await endedTask(fixture, 't', {});
    expect(expectErr(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/t', force: true }))).toMatchObject({
      kind: 'checked_out',
      path: task.worktree.path,
    });
    // A worktree deleted by hand no longer holds its branch.
    rmSync(task.worktree.path, { recursive: true, force: true });
    expectOk(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/t' }));
    expect(expectErr(await workspace.deleteBranch({ repository: repository.path, branch: 'claudine/t' }))).toMatchObject({
      kind: 'branch_missing',
      message: expect.stringContaining('already gone'),
    });
    expect(expectOk(await workspace.branchLanding({ repository: repository.path, branch: 'claudine/t' }))).toEqual({ kind: 'missing' });
  });

  it('refuses to remove a directory that is not a worktree of the repository, and a locked worktree', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    repository.write({ 'stranger/file.txt': 'not a worktree\n' }, repository.scratch);
    const stranger = `${repository.scratch}/stranger`;
    expect(expectErr(await workspace.removeWorktree({ repository: repository.path, path: stranger, branch: 'claudine/x' })).kind).toBe(
      'not_a_worktree',
    );
    expect(existsSync(stranger)).toBe(true);
    const task = await endedTask(fixture, 't', {});
    repository.git(['worktree', 'lock', '--reason', 'in use by me', task.worktree.path]);
    expect(expectErr(await workspace.removeWorktree(task.remove))).toMatchObject({ kind: 'locked', reason: 'in use by me' });
    expect(existsSync(task.worktree.path)).toBe(true);
  });
});
