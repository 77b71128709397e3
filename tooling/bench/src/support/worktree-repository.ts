import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Tracked files in a {@link makeWorktreeRepository} repository. */
export const WORKTREE_REPOSITORY_FILES = 10_000;
const DIRECTORIES = 100;

/** Runs git in `cwd` and returns its trimmed output. */
export function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * A repository of 10,000 tracked files in 100 directories under `root/repo`, plus the ignored
 * local files a `.worktreeinclude` names (an `.env` and a local config), as a project would
 * have them. Returns its path and the commit.
 */
export function makeWorktreeRepository(root: string): { path: string; base: string } {
  const path = join(root, 'repo');
  mkdirSync(path, { recursive: true });
  git(path, ['init', '--quiet', '--initial-branch=main']);
  git(path, ['config', 'user.name', 'Bench']);
  git(path, ['config', 'user.email', 'bench@example.com']);
  for (let directory = 0; directory < DIRECTORIES; directory += 1) {
    const folder = join(path, 'src', `module-${directory}`);
    mkdirSync(folder, { recursive: true });
    for (let file = 0; file < WORKTREE_REPOSITORY_FILES / DIRECTORIES; file += 1) {
      writeFileSync(join(folder, `file-${file}.ts`), `export const value${file} = ${directory * 1000 + file};\n// ${'x'.repeat(200)}\n`);
    }
  }
  writeFileSync(join(path, '.gitignore'), '.env\nconfig/local.json\nnode_modules/\n');
  writeFileSync(join(path, '.worktreeinclude'), '.env\nconfig/local.json\n');
  git(path, ['add', '--all']);
  git(path, ['commit', '--quiet', '-m', 'a project of 10,000 files']);
  writeFileSync(join(path, '.env'), 'API_KEY=secret\n');
  mkdirSync(join(path, 'config'));
  writeFileSync(join(path, 'config', 'local.json'), '{"port":3000}\n');
  return { path, base: git(path, ['rev-parse', 'HEAD']) };
}

/** Plain `git worktree add --quiet -b <branch> <path> <base>`, the baseline. */
export function plainWorktreeAdd(repository: string, path: string, branch: string, base: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['worktree', 'add', '--quiet', '-b', branch, path, base], { cwd: repository, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git worktree add exited with ${code}`))));
  });
}
