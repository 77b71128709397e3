import type { Checkout } from './checkout.js';
import type { GitCommand } from './git.js';
import type { RepositoryLocks } from './repository-lock.js';

/** What every operation of a workspace shares: how to run git, the repository locks, what was learnt once. */
export interface WorkspaceContext {
  readonly git: GitCommand;
  readonly locks: RepositoryLocks;
  /** Commit identities by common git directory; see `commitIdentity`. */
  readonly identities: Map<string, Promise<Readonly<Record<string, string>>>>;
  /** Repositories found, by the path callers name them with; see `openRepository`. */
  readonly checkouts: Map<string, Checkout>;
}
