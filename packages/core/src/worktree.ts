import * as z from 'zod';
import { isAbsolutePath } from './absolute-path.js';
import { lazySchema } from './lazy-schema.js';

/** A full git object id: SHA-1 (40 hex digits) or SHA-256 (64), lower case. */
export const COMMIT_ID_PATTERN = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** How a task's branch is brought into its target: see {@link WorktreeMergeSchema}. */
export const WORKTREE_MERGE_STRATEGIES = ['squash', 'merge', 'rebase'] as const;
/**
 * `squash` (one new commit on the target with the task's whole change), `merge` (a merge commit
 * whose second parent is the task's branch) or `rebase` (the task's commits replayed onto the
 * target, which is fast-forwarded to them).
 */
export type WorktreeMergeStrategy = (typeof WORKTREE_MERGE_STRATEGIES)[number];

const commitId = lazySchema(() => z.string().regex(COMMIT_ID_PATTERN, 'a commit id is 40 (SHA-1) or 64 (SHA-256) lower-case hex digits'));
const count = lazySchema(() => z.number().int().nonnegative());

// A relative cwd stays inside the worktree: no leading slash, no `..` segment, `/` separators.
const relativeCwd = lazySchema(() =>
  z
    .string()
    .max(4096)
    .refine(
      (path) =>
        path === '' || (!path.startsWith('/') && !path.endsWith('/') && path.split('/').every((part) => part !== '' && part !== '..')),
      'the relative working directory is a path inside the repository, like "packages/app", or "" for its top level',
    ),
);

/**
 * What a task asked for when it was submitted with a worktree, resolved at submit: the
 * repository (the top level of the checkout the task was submitted from), the commit the
 * worktree starts from (so later commits to the checked-out branch do not move it), the task's
 * own branch, and the working directory relative to the top level (a task submitted from a
 * subdirectory runs in the same subdirectory of its worktree).
 */
export const WorktreeRequestSchema = lazySchema(() =>
  z
    .object({
      repository: z.string().min(1).refine(isAbsolutePath, 'the repository is an absolute path'),
      baseCommit: commitId,
      branch: z.string().min(1).max(255),
      relativeCwd,
    })
    .strict(),
);
/** A task's worktree request; see {@link WorktreeRequestSchema}. */
export type WorktreeRequest = z.infer<typeof WorktreeRequestSchema>;

/**
 * What a task's branch holds once the task ended and what it left was committed: the head of
 * its branch and the size of its change against the base commit.
 */
export const WorktreeResultSchema = lazySchema(() =>
  z
    .object({
      headCommit: commitId,
      filesChanged: count,
      insertions: count,
      deletions: count,
    })
    .strict(),
);
/** A task's worktree result; see {@link WorktreeResultSchema}. */
export type WorktreeResult = z.infer<typeof WorktreeResultSchema>;

/**
 * A merge of a task's branch that Claudine made: into which branch, how, the commit the target
 * pointed to afterwards, and when (ms since the epoch). After a squash or a rebase the branch's
 * own commits are not in the target, so this record is what says the work landed.
 */
export const WorktreeMergeSchema = lazySchema(() =>
  z
    .object({
      target: z.string().min(1).max(255),
      strategy: z.enum(WORKTREE_MERGE_STRATEGIES),
      commit: commitId,
      mergedAt: z.number().int().nonnegative(),
    })
    .strict(),
);
/** A recorded merge; see {@link WorktreeMergeSchema}. */
export type WorktreeMerge = z.infer<typeof WorktreeMergeSchema>;

/**
 * Everything a task records of its worktree: what was asked at submit (`request`), where the
 * worktree lives (under the data directory), the setup command run in it before the agent, what
 * its branch held when the task last ended (`result`, null until then), the merge Claudine made
 * of it (`merge`, null until merged), and when Claudine removed the worktree (`removedAt`, null
 * while it is there; the branch may outlive it).
 */
export const TaskWorktreeSchema = lazySchema(() =>
  z
    .object({
      request: WorktreeRequestSchema,
      path: z.string().min(1).refine(isAbsolutePath, 'the worktree path is absolute'),
      setup: z.string().nullable(),
      /**
       * The worktree task this one is stacked on (its dependency): the worktree starts from that
       * task's head once it ended, and `request.baseCommit` is updated to it then.
       */
      stackedOn: z.string().nullable(),
      result: WorktreeResultSchema.nullable(),
      merge: WorktreeMergeSchema.nullable(),
      removedAt: z.number().int().nonnegative().nullable(),
    })
    .strict(),
);
/** A task's worktree record; see {@link TaskWorktreeSchema}. */
export type TaskWorktree = z.infer<typeof TaskWorktreeSchema>;
