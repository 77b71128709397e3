import { type GitCommand, nulFields, runGit } from './git.js';

/** The result of merging two commits without touching any working tree or index. */
export type TreeMerge = { readonly clean: true; readonly tree: string } | { readonly clean: false; readonly conflicts: readonly string[] };

/**
 * Merges `theirs` into `ours` in the object store only (`git merge-tree --write-tree`, git
 * 2.38+): the merged tree when it is clean, the conflicting paths when not. Nothing else
 * changes either way: no ref, no index, no file.
 */
export async function mergeTrees(git: GitCommand, cwd: string, ours: string, theirs: string): Promise<TreeMerge> {
  const output = await runGit(git, ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ours, theirs], {
    cwd,
    allowExitCodes: [1],
  });
  const [tree = '', ...conflicts] = nulFields(output.stdout);
  return output.exitCode === 0 ? { clean: true, tree } : { clean: false, conflicts: [...new Set(conflicts)] };
}
