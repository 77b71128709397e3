import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { expectErr, expectOk, workspaceFixture } from './workspace.test-helper.js';

async function finishedTask() {
  const fixture = workspaceFixture();
  const lines = Array.from({ length: 400 }, (_, index) => `generated line ${index} — é ✓\n`).join('');
  const ended = await fixture.endedTask('t', { 'src/shared.txt': 'line 1\nline 2 changed\n', 'big.txt': lines, 'README.md': null });
  return { ...fixture, ...ended };
}

describe('a task’s diff', () => {
  it('is measured against the point where the branch left the target, not against a target that moved on', async () => {
    const { repository, workspace, base, changes } = await finishedTask();
    repository.commit({ 'on-main.txt': 'main moved on\n', 'src/shared.txt': 'rewritten on main\n' }, 'main moves on');
    const stat = expectOk(await workspace.diffStat({ repository: repository.path, branch: 'claudine/t' }));
    expect(stat).toMatchObject({ forkPoint: base, head: changes.head, target: 'HEAD' });
    expect(stat.files.map((file) => [file.path, file.status, file.insertions, file.deletions])).toEqual([
      ['README.md', 'deleted', 0, 3],
      ['big.txt', 'added', 400, 0],
      ['src/shared.txt', 'modified', 1, 9],
    ]);
    const whole = expectOk(await workspace.patchPage({ repository: repository.path, branch: 'claudine/t', limit: 10 * 1024 * 1024 }));
    expect(whole.complete).toBe(true);
    expect(whole.patch).not.toContain('on-main.txt');
    expect(whole.patch).toContain('+line 2 changed');
    expect(expectOk(await workspace.diffStat({ repository: repository.path, branch: 'claudine/t', target: 'main' })).forkPoint).toBe(base);
  });

  it('pages the patch within a size bound, cut at line ends, and the pages add up to the whole', async () => {
    const { repository, workspace } = await finishedTask();
    const request = { repository: repository.path, branch: 'claudine/t' };
    const whole = expectOk(await workspace.patchPage({ ...request, limit: 10 * 1024 * 1024 })).patch;
    const streamed = expectOk(await workspace.patchStream(request));
    expect(await text(streamed.stream)).toBe(whole);
    let offset = 0;
    const pages: string[] = [];
    for (;;) {
      const page = expectOk(await workspace.patchPage({ ...request, offset, limit: 1000 }));
      expect(Buffer.byteLength(page.patch)).toBeLessThanOrEqual(1000);
      if (!page.complete) expect(page.patch.endsWith('\n')).toBe(true);
      pages.push(page.patch);
      expect(page.offset).toBe(offset);
      offset = page.nextOffset;
      if (page.complete) break;
    }
    expect(pages.length).toBeGreaterThan(10);
    expect(pages.join('')).toBe(whole);
    expect(offset).toBe(Buffer.byteLength(whole));
  });

  it('cuts a line longer than a page at a character boundary', async () => {
    const fixture = workspaceFixture();
    const { repository, workspace } = fixture;
    await fixture.endedTask('t', { 'wide.txt': `${'é'.repeat(3000)}\n` });
    const request = { repository: repository.path, branch: 'claudine/t' };
    const whole = expectOk(await workspace.patchPage({ ...request, limit: 1 << 20 })).patch;
    let offset = 0;
    let joined = '';
    for (;;) {
      const page = expectOk(await workspace.patchPage({ ...request, offset, limit: 1001 }));
      expect(page.patch).not.toContain('\uFFFD');
      joined += page.patch;
      offset = page.nextOffset;
      if (page.complete) break;
    }
    expect(joined).toBe(whole);
  });

  it('says clearly when the branch or the target is gone', async () => {
    const { repository, workspace, worktree } = await finishedTask();
    expect(expectErr(await workspace.diffStat({ repository: repository.path, branch: 'claudine/t', target: 'nope' })).kind).toBe(
      'target_missing',
    );
    expectOk(await workspace.removeWorktree({ repository: repository.path, path: worktree.path, branch: 'claudine/t' }));
    repository.git(['branch', '-D', 'claudine/t']);
    const refusal = expectErr(await workspace.patchPage({ repository: repository.path, branch: 'claudine/t' }));
    expect(refusal).toMatchObject({ kind: 'branch_missing', message: expect.stringContaining('deleted by hand') });
  });
});
