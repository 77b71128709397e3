import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { type GitCommand, runGit } from './git.js';

/** One working tree of a repository, as `git worktree list` knows it. */
export interface WorktreeEntry {
  /** Where it is (as git recorded it). */
  readonly path: string;
  /** The commit checked out; null for a bare repository or a branch with no commit. */
  readonly head: string | null;
  /** The branch checked out (full ref, `refs/heads/...`), or null when detached or bare. */
  readonly branch: string | null;
  readonly bare: boolean;
  /** The lock's reason (`''` for a lock without one), or null when not locked. */
  readonly locked: string | null;
  /** Why git would prune it (its directory is gone), or null when it is there. */
  readonly prunable: string | null;
}

/** Parses `git worktree list --porcelain -z`. */
export function parseWorktreeList(output: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: { -readonly [K in keyof WorktreeEntry]: WorktreeEntry[K] } | null = null;
  for (const field of output.split('\0')) {
    if (field === '') {
      if (current !== null) entries.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(' ');
    const label = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (label === 'worktree') {
      if (current !== null) entries.push(current);
      current = { path: value, head: null, branch: null, bare: false, locked: null, prunable: null };
    } else if (current !== null) {
      if (label === 'HEAD') current.head = /^0+$/.test(value) ? null : value;
      else if (label === 'branch') current.branch = value;
      else if (label === 'bare') current.bare = true;
      else if (label === 'locked') current.locked = value;
      else if (label === 'prunable') current.prunable = value;
    }
  }
  if (current !== null) entries.push(current);
  return entries;
}

/** Every working tree of the repository that `cwd` belongs to, the main one first. */
export async function listWorktreeEntries(git: GitCommand, cwd: string): Promise<WorktreeEntry[]> {
  const output = await runGit(git, ['worktree', 'list', '--porcelain', '-z'], { cwd, readOnly: true });
  return parseWorktreeList(output.stdout.toString('utf8'));
}

/** `path` made absolute and, where it exists, real (symbolic links resolved), for comparing with git's paths. */
export function comparablePath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The entry whose path is `path`, if git has one. */
export function findWorktree(entries: readonly WorktreeEntry[], path: string): WorktreeEntry | undefined {
  const wanted = comparablePath(path);
  return entries.find((entry) => entry.path === wanted || comparablePath(entry.path) === wanted);
}
