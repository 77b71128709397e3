import { describe, expect, it } from 'vitest';
import { parseWorktreeList } from './worktree-list.js';

describe('worktree list', () => {
  it('reads branches, detached heads, locks with and without reasons, prunable and bare entries', () => {
    const output = [
      'worktree /repo',
      'HEAD 1111111111111111111111111111111111111111',
      'branch refs/heads/main',
      '',
      'worktree /data/worktrees/a',
      'HEAD 2222222222222222222222222222222222222222',
      'detached',
      'locked initializing',
      '',
      'worktree /data/worktrees/b',
      'HEAD 3333333333333333333333333333333333333333',
      'branch refs/heads/claudine/b',
      'locked',
      'prunable gitdir file points to non-existent location',
      '',
      'worktree /bare.git',
      'bare',
      '',
      '',
    ].join('\0');
    expect(parseWorktreeList(output)).toEqual([
      { path: '/repo', head: '1'.repeat(40), branch: 'refs/heads/main', bare: false, locked: null, prunable: null },
      { path: '/data/worktrees/a', head: '2'.repeat(40), branch: null, bare: false, locked: 'initializing', prunable: null },
      {
        path: '/data/worktrees/b',
        head: '3'.repeat(40),
        branch: 'refs/heads/claudine/b',
        bare: false,
        locked: '',
        prunable: 'gitdir file points to non-existent location',
      },
      { path: '/bare.git', head: null, branch: null, bare: true, locked: null, prunable: null },
    ]);
  });
});
