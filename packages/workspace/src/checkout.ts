import { existsSync, realpathSync } from 'node:fs';
import { ClaudineError, err, ok, type Result } from '@claudine/core';
import { type GitCommand, runGit } from './git.js';
import type { WorkspaceContext } from './workspace-context.js';

/** A working tree of a repository, found at the top of it. */
export interface Checkout {
  /** The top level of the working tree (real path). */
  readonly topLevel: string;
  /** The repository's common git directory, shared by its checkout and every worktree. */
  readonly commonDir: string;
  /** This working tree's own git directory (`.git` of the main checkout, `.git/worktrees/<name>` of a worktree). */
  readonly gitDir: string;
}

/** Why a path is not a checkout this package may act on. */
export type CheckoutProblem =
  | { readonly kind: 'missing'; readonly path: string; readonly message: string }
  | { readonly kind: 'not_a_checkout'; readonly path: string; readonly message: string };

/**
 * The checkout whose top level is `path`. A path inside a checkout but not at its top is refused
 * like one outside any: git would otherwise act on the enclosing repository (a data directory
 * kept in a dotfiles repository, say), and nothing here may ever do that.
 */
export async function openCheckout(git: GitCommand, path: string): Promise<Result<Checkout, CheckoutProblem>> {
  if (!existsSync(path)) return err({ kind: 'missing', path, message: `${path} does not exist` });
  const output = await runGit(git, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', '--absolute-git-dir'], {
    cwd: path,
    allowExitCodes: [128],
    readOnly: true,
  });
  const [topLevel, commonDir, gitDir] = output.stdout.toString('utf8').split('\n');
  if (
    output.exitCode !== 0 ||
    topLevel === undefined ||
    commonDir === undefined ||
    gitDir === undefined ||
    topLevel !== realpathSync(path)
  ) {
    return err({ kind: 'not_a_checkout', path, message: `${path} is not the top level of a git working tree` });
  }
  return ok({ topLevel, commonDir, gitDir });
}

/** Throws `invalid_input` unless `path` is absolute: every path a caller gives is. */
export function requireAbsolute(path: string, what: string): void {
  if (!path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path)) {
    throw new ClaudineError('invalid_input', `the ${what} must be an absolute path, not "${path}"`);
  }
}

/** The task's repository is gone or moved (or is no longer a checkout's top level). */
export interface RepositoryMissing {
  readonly kind: 'repository_missing';
  readonly message: string;
}

/**
 * The checkout at `repository` (the top level recorded at submit), or why it is not there. What
 * git said is remembered for the workspace's life (a repository does not change its git
 * directory), as long as both directories still exist.
 */
export async function openRepository(context: WorkspaceContext, repository: string): Promise<Result<Checkout, RepositoryMissing>> {
  requireAbsolute(repository, 'repository');
  const known = context.checkouts.get(repository);
  if (known !== undefined && existsSync(repository) && existsSync(known.commonDir)) return ok(known);
  const opened = await openCheckout(context.git, repository);
  if (opened.ok) {
    context.checkouts.set(repository, opened.value);
    return opened;
  }
  context.checkouts.delete(repository);
  return err({ kind: 'repository_missing', message: `${opened.error.message}: the task's repository is gone or was moved` });
}
