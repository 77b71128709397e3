import { type GitCommand, gitText, nulFields, runGit } from './git.js';
import { type InterruptedOperation, interruptedOperation } from './interrupted-operation.js';

/** Why a checkout of the target branch stops a merge. */
export type CheckoutBlock =
  | { readonly kind: 'dirty'; readonly files: readonly string[] }
  | { readonly kind: 'busy'; readonly operation: InterruptedOperation };

/**
 * The paths of `touched` that the checkout at `path` has uncommitted changes to (staged or
 * not), or untracked files in the way of: a merge that rewrote them would lose the user's
 * work. Changes to other files do not matter; they are carried over as `git merge` would.
 */
export async function uncommittedAmong(git: GitCommand, path: string, touched: ReadonlySet<string>): Promise<string[]> {
  const output = await runGit(git, ['status', '--porcelain', '-z', '--untracked-files=normal', '--no-renames'], {
    cwd: path,
    readOnly: true,
  });
  const blocked = new Set<string>();
  for (const entry of nulFields(output.stdout)) {
    const file = entry.slice(3);
    // An untracked directory is listed as `dir/`; a file in the way of a new directory as itself.
    const prefix = file.endsWith('/') ? file : `${file}/`;
    if (touched.has(file)) blocked.add(file);
    for (const candidate of touched) if (candidate.startsWith(prefix)) blocked.add(candidate);
  }
  return [...blocked].sort();
}

/** What, if anything, in the checkout at `path` stops a merge that rewrites `touched`. */
export async function checkoutBlock(git: GitCommand, path: string, touched: ReadonlySet<string>): Promise<CheckoutBlock | null> {
  const gitDir = await gitText(git, ['rev-parse', '--absolute-git-dir'], { cwd: path, readOnly: true });
  const operation = interruptedOperation(gitDir);
  if (operation !== null) return { kind: 'busy', operation };
  const files = await uncommittedAmong(git, path, touched);
  return files.length === 0 ? null : { kind: 'dirty', files };
}

/**
 * Brings the checkout at `path`, whose branch just moved from `from` to `to`, up to date: its
 * index and files follow, as a fast-forward would (`git read-tree -m -u`, a two-tree merge that
 * keeps local changes to files the move does not touch; ignored files in the way are replaced,
 * as `git merge` replaces them). Returns false, changing nothing, when git refuses.
 */
export async function advanceCheckout(git: GitCommand, path: string, from: string, to: string): Promise<boolean> {
  // read-tree trusts the index's stat data: a checkout copied or restored (new inodes and times,
  // same content) would be refused as "not uptodate" although nothing in it changed.
  await runGit(git, ['update-index', '-q', '--refresh'], { cwd: path, allowExitCodes: [1] });
  const output = await runGit(git, ['read-tree', '-m', '-u', '--exclude-per-directory=.gitignore', from, to], {
    cwd: path,
    allowExitCodes: [128],
  });
  return output.exitCode === 0;
}
