import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type GitCommand, nulFields, runGit } from './git.js';

/** The file of patterns, at the top level of the checkout a task comes from (Claude Code's name and syntax). */
export const WORKTREE_INCLUDE_FILE = '.worktreeinclude';

/**
 * The files of `source` that `.worktreeinclude` names and git ignores there, relative to its
 * top level. As in Claude Code: the file uses gitignore syntax (comments, `!` negation,
 * anchoring, `**`), and a file is taken only when it matches a pattern AND is ignored, so a
 * tracked file, or an untracked one git would offer to commit, is never copied. Empty when the
 * checkout has no `.worktreeinclude`.
 */
export async function worktreeIncludeFiles(git: GitCommand, source: string): Promise<string[]> {
  const patterns = join(source, WORKTREE_INCLUDE_FILE);
  try {
    await lstat(patterns);
  } catch {
    return [];
  }
  const matching = await runGit(git, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${patterns}`], {
    cwd: source,
    readOnly: true,
  });
  // An untracked directory holding its own repository is listed as `dir/`: not a file to copy.
  const candidates = nulFields(matching.stdout).filter((path) => !path.endsWith('/'));
  if (candidates.length === 0) return [];
  const ignored = await runGit(git, ['check-ignore', '-z', '--stdin'], {
    cwd: source,
    input: `${candidates.join('\0')}\0`,
    allowExitCodes: [1],
    readOnly: true,
  });
  return nulFields(ignored.stdout);
}

/**
 * Copies `files` (relative paths) from `source` to the same paths under `destination`: regular
 * files with their mode (a copy-on-write clone where the file system offers one), symbolic
 * links as links. A file already at the destination is left alone, so a worktree set up again
 * for a resumed task keeps what its agent changed. Returns the paths copied.
 */
export async function copyWorktreeIncludes(source: string, destination: string, files: readonly string[]): Promise<string[]> {
  const copied: string[] = [];
  const made = new Set<string>();
  for (const file of files) {
    const from = join(source, file);
    const to = join(destination, file);
    const stats = await lstat(from).catch(() => null);
    if (stats === null || !(stats.isFile() || stats.isSymbolicLink())) continue;
    if ((await lstat(to).catch(() => null)) !== null) continue;
    const parent = dirname(to);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    if (stats.isSymbolicLink()) await symlink(await readlink(from), to);
    else await copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    copied.push(file);
  }
  return copied;
}
