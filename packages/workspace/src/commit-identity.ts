import { runGit } from './git.js';
import type { WorkspaceContext } from './workspace-context.js';

/** Who Claudine's commits are by when the repository and the user name nobody. */
export const FALLBACK_IDENTITY = { name: 'Claudine', email: 'claudine@localhost' } as const;

/**
 * The environment that gives Claudine's commits an author and committer: empty when git has
 * one (the user's `user.name` and `user.email`), else {@link FALLBACK_IDENTITY}, so a commit
 * that saves an agent's work never fails for want of a name. Learnt once per repository.
 */
export function commitIdentity(context: WorkspaceContext, commonDir: string, cwd: string): Promise<Readonly<Record<string, string>>> {
  let known = context.identities.get(commonDir);
  if (known === undefined) {
    known = Promise.all(
      ['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT'].map((variable) =>
        runGit(context.git, ['var', variable], { cwd, allowExitCodes: [128], readOnly: true }).then((output) => output.exitCode === 0),
      ),
    ).then((known) =>
      known.every(Boolean)
        ? {}
        : {
            GIT_AUTHOR_NAME: FALLBACK_IDENTITY.name,
            GIT_AUTHOR_EMAIL: FALLBACK_IDENTITY.email,
            GIT_COMMITTER_NAME: FALLBACK_IDENTITY.name,
            GIT_COMMITTER_EMAIL: FALLBACK_IDENTITY.email,
          },
    );
    known.catch(() => context.identities.delete(commonDir));
    context.identities.set(commonDir, known);
  }
  return known;
}
