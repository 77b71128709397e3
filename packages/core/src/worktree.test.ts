import { describe, expect, it } from 'vitest';
import { WorktreeMergeSchema, WorktreeRequestSchema, WorktreeResultSchema } from './worktree.js';

const commit = 'a'.repeat(40);

describe('worktree records', () => {
  const request = { repository: '/home/me/project', baseCommit: commit, branch: 'claudine/abcdefghjk', relativeCwd: 'packages/app' };

  it('accepts a request from the top level or a subdirectory, with SHA-1 or SHA-256 ids', () => {
    expect(WorktreeRequestSchema.parse(request)).toEqual(request);
    expect(WorktreeRequestSchema.parse({ ...request, relativeCwd: '', baseCommit: 'b'.repeat(64) }).relativeCwd).toBe('');
  });

  it.each([
    [{ ...request, repository: 'project' }, 'absolute path'],
    [{ ...request, baseCommit: 'HEAD' }, 'hex digits'],
    [{ ...request, baseCommit: 'A'.repeat(40) }, 'hex digits'],
    [{ ...request, relativeCwd: '../elsewhere' }, 'inside the repository'],
    [{ ...request, relativeCwd: '/abs' }, 'inside the repository'],
    [{ ...request, relativeCwd: 'a//b' }, 'inside the repository'],
    [{ ...request, branch: '' }, 'branch'],
  ])('refuses %j', (input, fragment) => {
    const parsed = WorktreeRequestSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    if (!parsed.success)
      expect(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n')).toContain(fragment);
  });

  it('records a result and a merge, and refuses an unknown strategy', () => {
    expect(WorktreeResultSchema.parse({ headCommit: commit, filesChanged: 2, insertions: 10, deletions: 0 }).filesChanged).toBe(2);
    expect(WorktreeResultSchema.safeParse({ headCommit: commit, filesChanged: -1, insertions: 0, deletions: 0 }).success).toBe(false);
    const merge = { target: 'main', strategy: 'squash', commit, mergedAt: 1_700_000_000_000 };
    expect(WorktreeMergeSchema.parse(merge)).toEqual(merge);
    expect(WorktreeMergeSchema.safeParse({ ...merge, strategy: 'octopus' }).success).toBe(false);
  });
});
