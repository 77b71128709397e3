import { type GitCommand, gitText, nulFields, runGit } from './git.js';
import { mergeTrees } from './merge-tree.js';

/** A commit of the task's branch that does not apply to the target, and the files in conflict. */
export interface ReplayConflict {
  readonly commit: string;
  readonly conflicts: readonly string[];
}

interface BranchCommit {
  readonly id: string;
  readonly parent: string;
  readonly authorName: string;
  readonly authorEmail: string;
  readonly authorDate: string;
  readonly message: string;
}

const FIELDS = 6;

async function commitsToReplay(git: GitCommand, cwd: string, onto: string, tip: string): Promise<BranchCommit[]> {
  const output = await runGit(
    git,
    [
      'log',
      '-z',
      '--reverse',
      '--topo-order',
      '--no-merges',
      '--date=raw',
      '--format=%H%x00%P%x00%an%x00%ae%x00%ad%x00%B',
      `${onto}..${tip}`,
      '--',
    ],
    { cwd, readOnly: true },
  );
  const fields = nulFields(output.stdout);
  const commits: BranchCommit[] = [];
  for (let index = 0; index + FIELDS <= fields.length; index += FIELDS) {
    const [id = '', parents = '', authorName = '', authorEmail = '', authorDate = '', message = ''] = fields.slice(index, index + FIELDS);
    commits.push({ id, parent: parents.split(' ')[0] ?? '', authorName, authorEmail, authorDate, message });
  }
  return commits;
}

/**
 * Replays the commits of `tip` that `onto` lacks (merge commits left out, as `git rebase`
 * does) onto `onto`, in the object store only, and returns the last new commit: null when every
 * change is already in `onto`. Each commit is applied as `git cherry-pick` would, a three-way
 * merge against its own parent: a throwaway commit with `onto`'s tree whose parent is that
 * parent makes it the merge base `merge-tree` finds (git 2.38 and 2.39 have no `--merge-base`).
 * Commits that become empty are dropped; authors, dates and messages are kept; the committer is
 * `identity`'s or the repository's. A conflict stops the replay and changes nothing.
 */
export async function replayCommits(
  git: GitCommand,
  cwd: string,
  identity: Readonly<Record<string, string>>,
  onto: string,
  tip: string,
): Promise<{ readonly ok: true; readonly commit: string | null } | { readonly ok: false; readonly conflict: ReplayConflict }> {
  let current = onto;
  let currentTree = await gitText(git, ['rev-parse', `${onto}^{tree}`], { cwd, readOnly: true });
  for (const commit of await commitsToReplay(git, cwd, onto, tip)) {
    const stand = await gitText(git, ['commit-tree', currentTree, '-p', commit.parent], {
      cwd,
      input: 'claudine: replay base\n',
      env: identity,
    });
    const merged = await mergeTrees(git, cwd, stand, commit.id);
    if (!merged.clean) return { ok: false, conflict: { commit: commit.id, conflicts: merged.conflicts } };
    if (merged.tree === currentTree) continue;
    current = await gitText(git, ['commit-tree', merged.tree, '-p', current], {
      cwd,
      input: commit.message,
      env: { ...identity, GIT_AUTHOR_NAME: commit.authorName, GIT_AUTHOR_EMAIL: commit.authorEmail, GIT_AUTHOR_DATE: commit.authorDate },
    });
    currentTree = merged.tree;
  }
  return { ok: true, commit: current === onto ? null : current };
}
