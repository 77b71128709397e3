import { existsSync, lstatSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitRepository, TEMPLATE_FILES } from '@claudine/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErr, expectOk, workspaceFixture } from './workspace.test-helper.js';

describe('creating a task worktree', () => {
  it('creates three worktrees at once in one repository, each on its own branch from the base, the checkout untouched', async () => {
    const { repository, workspace, worktreePath } = workspaceFixture();
    const base = repository.revParse();
    const statusBefore = repository.git(['status', '--porcelain']);
    const created = await Promise.all(
      ['one', 'two', 'three'].map((id) =>
        workspace.createWorktree({
          repository: repository.path,
          path: worktreePath(id),
          branch: workspace.branchName(id),
          baseCommit: base,
        }),
      ),
    );
    for (const [index, id] of ['one', 'two', 'three'].entries()) {
      const worktree = expectOk(created[index] as (typeof created)[number]);
      expect(worktree).toMatchObject({ branch: `claudine/${id}`, placement: 'new', copied: [], submodules: 'none' });
      expect(repository.git(['symbolic-ref', 'HEAD'], { cwd: worktree.path })).toBe(`refs/heads/claudine/${id}`);
      expect(repository.revParse('HEAD', worktree.path)).toBe(base);
      expect(readFileSync(join(worktree.path, 'src/shared.txt'), 'utf8')).toBe(TEMPLATE_FILES['src/shared.txt']);
    }
    expect(repository.git(['symbolic-ref', '--short', 'HEAD'])).toBe('main');
    expect(repository.git(['status', '--porcelain'])).toBe(statusBefore);
    expect(repository.git(['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(4);
  });

  it('starts from the recorded base even after the checked-out branch moved, and runs in the same subdirectory', async () => {
    const { repository, workspace, worktreePath } = workspaceFixture();
    const base = repository.revParse();
    repository.commit({ 'after.txt': 'after\n' }, 'after the submit');
    const worktree = expectOk(
      await workspace.createWorktree({
        repository: repository.path,
        path: worktreePath('a'),
        branch: 'claudine/a',
        baseCommit: base,
        relativeCwd: 'packages/app',
      }),
    );
    expect(worktree.cwd).toBe(join(worktree.path, 'packages', 'app'));
    expect(existsSync(join(worktree.path, 'after.txt'))).toBe(false);
    expect(repository.revParse('HEAD', worktree.path)).toBe(base);
  });

  it('makes the relative cwd when the base does not have it', async () => {
    const { repository, workspace, worktreePath } = workspaceFixture();
    const worktree = expectOk(
      await workspace.createWorktree({
        repository: repository.path,
        path: worktreePath('a'),
        branch: 'claudine/a',
        baseCommit: repository.revParse(),
        relativeCwd: 'build/out',
      }),
    );
    expect(statSync(worktree.cwd).isDirectory()).toBe(true);
  });

  it('stacks a task on another task’s head', async () => {
    const { repository, workspace, createTaskWorktree } = workspaceFixture();
    const first = expectOk(await createTaskWorktree('first'));
    writeFileSync(join(first.path, 'first.txt'), 'from the first task\n');
    const firstHead = expectOk(
      await workspace.commitLeftovers({ path: first.path, branch: first.branch, baseCommit: repository.revParse(), message: 'first' }),
    ).head;
    const second = expectOk(await createTaskWorktree('second', firstHead));
    expect(readFileSync(join(second.path, 'first.txt'), 'utf8')).toBe('from the first task\n');
    expect(repository.revParse('HEAD', second.path)).toBe(firstHead);
  });

  it('copies the ignored files .worktreeinclude names, never tracked or committable ones, keeping modes and links', async () => {
    const { repository, createTaskWorktree } = workspaceFixture();
    repository.commit({ '.gitignore': '.env\n*.log\nnode_modules/\nconfig/*.local.json\n.env.*\n' }, 'ignore more');
    repository.write({
      '.env': 'SECRET=1\n',
      '.env.example': 'SECRET=\n',
      '.env.test': 'SECRET=test\n',
      'config/app.local.json': '{"local":true}\n',
      'node_modules/pkg/.env': 'NESTED=1\n',
      'notes.txt': 'untracked, not ignored\n',
      'debug.log': 'ignored but not listed\n',
      '.worktreeinclude': '# gitignore syntax\n.env*\n!.env.example\nconfig/\n**/.env\nnotes.txt\nREADME.md\n',
    });
    repository.git(['add', '-f', '.env.example']);
    repository.git(['commit', '--quiet', '-m', 'track the example']);
    writeFileSync(join(repository.path, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    repository.write({ '.gitignore': `${readFileSync(join(repository.path, '.gitignore'), 'utf8')}run.sh\nlink\n` });
    repository.git(['commit', '--quiet', '-am', 'ignore run.sh and link']);
    symlinkSync('.env', join(repository.path, 'link'));
    repository.write({ '.worktreeinclude': `${readFileSync(join(repository.path, '.worktreeinclude'), 'utf8')}run.sh\nlink\n` });

    const worktree = expectOk(await createTaskWorktree('a'));
    expect([...worktree.copied].sort()).toEqual(['.env', '.env.test', 'config/app.local.json', 'link', 'node_modules/pkg/.env', 'run.sh']);
    expect(readFileSync(join(worktree.path, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(join(worktree.path, '.env.example'), 'utf8')).toBe('SECRET=\n');
    expect(existsSync(join(worktree.path, 'notes.txt'))).toBe(false);
    expect(existsSync(join(worktree.path, 'debug.log'))).toBe(false);
    expect(statSync(join(worktree.path, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(worktree.path, 'link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(worktree.path, 'link'))).toBe('.env');
    // The copies are ignored in the worktree too: nothing for the agent's commit to pick up.
    expect(repository.git(['status', '--porcelain'], { cwd: worktree.path })).toBe('');
  });

  it('reuses the worktree of a resumed task as it is, and copies nothing over what the agent changed', async () => {
    const { repository, workspace, worktreePath } = workspaceFixture();
    repository.write({ '.env': 'SECRET=1\n', '.worktreeinclude': '.env\n' });
    const request = { repository: repository.path, path: worktreePath('a'), branch: 'claudine/a', baseCommit: repository.revParse() };
    const first = expectOk(await workspace.createWorktree(request));
    writeFileSync(join(first.path, '.env'), 'SECRET=changed by the agent\n');
    writeFileSync(join(first.path, 'work.txt'), 'half done\n');
    const again = expectOk(await workspace.createWorktree(request));
    expect(again).toMatchObject({ path: first.path, placement: 'reused', copied: [] });
    expect(readFileSync(join(first.path, '.env'), 'utf8')).toBe('SECRET=changed by the agent\n');
    expect(readFileSync(join(first.path, 'work.txt'), 'utf8')).toBe('half done\n');
  });

  it('checks out the existing branch of a retried task whose worktree was removed, with its commits', async () => {
    const { repository, workspace, worktreePath } = workspaceFixture();
    const base = repository.revParse();
    const request = { repository: repository.path, path: worktreePath('a'), branch: 'claudine/a', baseCommit: base };
    const first = expectOk(await workspace.createWorktree(request));
    const head = repository.commit({ 'work.txt': 'first attempt\n' }, 'first attempt', first.path);
    expectOk(await workspace.removeWorktree({ repository: repository.path, path: first.path, branch: 'claudine/a' }));
    const again = expectOk(await workspace.createWorktree(request));
    expect(again.placement).toBe('existing_branch');
    expect(repository.revParse('HEAD', again.path)).toBe(head);
  });

  it('finishes the job after a crash: a worktree deleted by hand, or one git left initialising', async () => {
    const { repository, workspace, worktreePath } = workspaceFixture();
    const base = repository.revParse();
    const request = { repository: repository.path, path: worktreePath('a'), branch: 'claudine/a', baseCommit: base };
    const first = expectOk(await workspace.createWorktree(request));
    rmSync(first.path, { recursive: true, force: true });
    const recreated = expectOk(await workspace.createWorktree(request));
    expect(recreated.placement).toBe('existing_branch');
    expect(readFileSync(join(recreated.path, 'README.md'), 'utf8')).toBe(TEMPLATE_FILES['README.md']);

    // What a `git worktree add` killed during its checkout leaves: the record locked "initializing", files missing.
    const half = worktreePath('b');
    repository.git(['worktree', 'add', '--quiet', '--no-checkout', '--lock', '--reason', 'initializing', '-b', 'claudine/b', half, base]);
    const finished = expectOk(await workspace.createWorktree({ ...request, path: half, branch: 'claudine/b' }));
    expect(finished.placement).toBe('existing_branch');
    expect(readFileSync(join(finished.path, 'src/shared.txt'), 'utf8')).toBe(TEMPLATE_FILES['src/shared.txt']);
    expect(repository.git(['worktree', 'list', '--porcelain'])).not.toContain('locked');
  });

  it('refuses a path inside the repository, a path taken by something else, a branch checked out elsewhere, a missing base', async () => {
    const { repository, workspace, worktreePath, createTaskWorktree } = workspaceFixture();
    const base = repository.revParse();
    await expect(
      workspace.createWorktree({
        repository: repository.path,
        path: join(repository.path, '.worktrees', 'a'),
        branch: 'claudine/a',
        baseCommit: base,
      }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('cannot live inside its repository') });

    repository.write({ 'occupied/file.txt': 'mine\n' }, repository.scratch);
    const occupied = expectErr(
      await workspace.createWorktree({
        repository: repository.path,
        path: join(repository.scratch, 'occupied'),
        branch: 'claudine/a',
        baseCommit: base,
      }),
    );
    expect(occupied.kind).toBe('path_occupied');
    expect(readFileSync(join(repository.scratch, 'occupied/file.txt'), 'utf8')).toBe('mine\n');

    expectOk(await createTaskWorktree('a', base));
    const elsewhere = expectErr(
      await workspace.createWorktree({ repository: repository.path, path: worktreePath('b'), branch: 'claudine/a', baseCommit: base }),
    );
    expect(elsewhere).toMatchObject({ kind: 'branch_checked_out', path: worktreePath('a') });

    const missing = expectErr(await createTaskWorktree('c', 'f'.repeat(40)));
    expect(missing.kind).toBe('base_missing');
    expect(repository.git(['branch', '--list', 'claudine/c'])).toBe('');
  });
});

describe('a repository with a submodule', () => {
  // Tests clone the submodule from a local path, which git refuses by default since 2.38.1.
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.GIT_CONFIG_COUNT = '1';
    process.env.GIT_CONFIG_KEY_0 = 'protocol.file.allow';
    process.env.GIT_CONFIG_VALUE_0 = 'always';
  });
  afterAll(() => {
    for (const name of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('initialises the submodule in the worktree at the recorded commit', async () => {
    const { repository, workspace, createTaskWorktree } = workspaceFixture();
    const library = createGitRepository('claudine-submodule-');
    try {
      const pinned = library.commit({ 'lib.txt': 'library v1\n' }, 'v1');
      repository.git(['submodule', '--quiet', 'add', library.path, 'vendor/lib']);
      repository.git(['commit', '--quiet', '-m', 'add the library']);
      library.commit({ 'lib.txt': 'library v2\n' }, 'v2');
      const worktree = expectOk(await createTaskWorktree('a'));
      expect(worktree.submodules).toBe('initialised');
      expect(readFileSync(join(worktree.path, 'vendor/lib/lib.txt'), 'utf8')).toBe('library v1\n');
      expect(library.revParse('HEAD', join(worktree.path, 'vendor/lib'))).toBe(pinned);
      // Removing a worktree with a submodule needs what git calls force; Claudine's checks stand for it.
      expectOk(await workspace.removeWorktree({ repository: repository.path, path: worktree.path, branch: 'claudine/a' }));
      expect(existsSync(worktree.path)).toBe(false);
    } finally {
      library.remove();
    }
  });

  it('reports a submodule that cannot be fetched as an outcome with git’s message', async () => {
    const { repository, createTaskWorktree } = workspaceFixture();
    const library = createGitRepository('claudine-submodule-');
    library.commit({ 'lib.txt': 'v1\n' }, 'v1');
    repository.git(['submodule', '--quiet', 'add', library.path, 'vendor/lib']);
    repository.git(['commit', '--quiet', '-m', 'add the library']);
    library.remove();
    // The main checkout's clone of it would serve as a source otherwise.
    rmSync(join(repository.path, '.git', 'modules'), { recursive: true, force: true });
    const refusal = expectErr(await createTaskWorktree('a'));
    expect(refusal.kind).toBe('submodules_failed');
    expect(refusal.message).toContain('could not be initialised');
  });
});
