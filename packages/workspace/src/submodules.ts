import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isClaudineError } from '@claudine/core';
import { type GitCommand, runGit } from './git.js';

/** How initialising a worktree's submodules went. */
export type SubmoduleOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'initialised' }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * Initialises and checks out the submodules of the worktree at `path` (recursively) when it has
 * any (a `.gitmodules` file), as `git submodule update --init --recursive` does: at the commits
 * the worktree's tree records. A failure (an unreachable URL, a refused protocol) is an
 * outcome, with git's message, not a throw: the task cannot start and should say why.
 */
export async function initialiseSubmodules(git: GitCommand, path: string): Promise<SubmoduleOutcome> {
  if (!existsSync(join(path, '.gitmodules'))) return { kind: 'none' };
  try {
    await runGit(git, ['submodule', '--quiet', 'update', '--init', '--recursive'], { cwd: path });
    return { kind: 'initialised' };
  } catch (error) {
    if (!isClaudineError(error) || error.code !== 'git_failed') throw error;
    return { kind: 'failed', message: `the submodules of ${path} could not be initialised: ${error.message}` };
  }
}
