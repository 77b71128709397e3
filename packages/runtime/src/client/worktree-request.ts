// Deciding at submit whether a task gets a worktree, and resolving it: the repository that
// contains its cwd, the commit it starts from, what it stacks on, and what the user should hear.
import { join } from 'node:path';
import { ClaudineError, isTaskId, type NewTaskInput, type NewTaskWorktree, type Task, type TaskStore } from '@claudine/core';
import type { Workspace } from '@claudine/workspace';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';

/**
 * A worktree resolved before the task has an id: everything but the branch and the path, which
 * are named after the id ({@link completeWorktree}). A resumed task's is already complete.
 */
export type PendingWorktree =
  | {
      readonly kind: 'new';
      readonly repository: string;
      readonly baseCommit: string;
      readonly relativeCwd: string;
      readonly setup: string | null;
      readonly stackedOn: string | null;
      readonly directory: string;
      readonly branchPrefix: string;
    }
  | { readonly kind: 'fixed'; readonly worktree: NewTaskWorktree };

/** What {@link resolveWorktreeRequest} found: the worktree (null for none) and warnings for the user. */
export interface WorktreeResolution {
  readonly pending: PendingWorktree | null;
  /** Said at submit (CLI, MCP): the checkout's uncommitted changes the task will not see. */
  readonly warnings: readonly string[];
  /** Dependencies to add: `--base <task id>` makes the task wait for the one it stacks on. */
  readonly addDependencies: readonly string[];
  /**
   * The one worktree task it depends on is of the same batch, not stored yet: the batch stacks
   * it on that task once ids are drawn ({@link stackWithinBatch}).
   */
  readonly stacksWithinBatch?: boolean;
}

/** What {@link resolveWorktreeRequest} reads. */
export interface WorktreeRequestContext {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly store: Pick<TaskStore, 'get'>;
  readonly workspace: Pick<Workspace, 'resolveSource'>;
}

const NONE: WorktreeResolution = { pending: null, warnings: [], addDependencies: [] };

/**
 * Resolves the worktree of a submission: none unless `worktree` is asked (or `worktree.default`
 * is on and the cwd is in a repository). Refused with `invalid_input`, never a silent fallback to
 * the shared checkout: a cwd outside a git repository, a bare repository, an unknown base, a
 * `--base` task without a worktree or in another repository, `base`/`setup` without a worktree.
 * The base is `HEAD` at submit unless given; a task that depends on exactly one worktree task of
 * the same repository (or names one as its base) stacks on it. `withinBatch` counts the worktree
 * tasks of its own batch it depends on by name: they count towards that one.
 */
export async function resolveWorktreeRequest(
  input: NewTaskInput,
  context: WorktreeRequestContext,
  withinBatch = 0,
): Promise<WorktreeResolution> {
  const settings = context.config.worktree;
  const asked = input.worktree ?? settings.default;
  if (!asked) {
    if (input.base !== undefined || input.setup !== undefined) {
      throw new ClaudineError(
        'invalid_input',
        `${input.base !== undefined ? 'A base' : 'A setup command'} applies only to a task with a worktree: add --worktree (MCP: worktree: true), or leave it out.`,
      );
    }
    return NONE;
  }
  const byDefault = input.worktree === undefined;
  const found = await stackTargetOf(input, context.store, withinBatch);
  const stacksWithinBatch = found === 'batch';
  const stackTarget = found === 'batch' ? undefined : found;
  const source = await context.workspace.resolveSource({
    cwd: input.cwd,
    ...(stackTarget !== undefined || input.base === undefined ? {} : { base: input.base }),
  });
  if (!source.ok) {
    // The configured default applies to tasks whose cwd is in a repository; others run as before.
    if (byDefault && (source.error.kind === 'not_a_repository' || source.error.kind === 'bare_repository')) return NONE;
    throw new ClaudineError('invalid_input', `This task cannot have a worktree: ${source.error.message}`, {
      details: { reason: source.error.kind, cwd: input.cwd },
    });
  }
  const { repository, relativeCwd } = source.value;
  let baseCommit = source.value.baseCommit;
  let stackedOn: string | null = null;
  const addDependencies: string[] = [];
  if (stackTarget !== undefined) {
    const below = stackTarget.task.worktree;
    if (below === null || below.request.repository !== repository) {
      if (stackTarget.explicit) {
        throw new ClaudineError(
          'invalid_input',
          below === null
            ? `Task ${stackTarget.task.id} has no worktree, so there is nothing to stack on: give a branch or commit as the base instead.`
            : `Task ${stackTarget.task.id} works on another repository (${below.request.repository}), not ${repository}: give a branch or commit of this one as the base.`,
        );
      }
    } else {
      stackedOn = stackTarget.task.id;
      // Until the task below ends, the best known start is its current head; the host takes its
      // final head when this one starts.
      baseCommit = below.result?.headCommit ?? below.request.baseCommit;
      if (!(input.dependsOn ?? []).includes(stackedOn)) addDependencies.push(stackedOn);
    }
  }
  const warnings: string[] = [];
  if (stackedOn === null && !stacksWithinBatch && input.base === undefined && source.value.uncommittedChanges > 0) {
    const count = source.value.uncommittedChanges;
    warnings.push(
      `${repository} has ${count} uncommitted change${count === 1 ? '' : 's'}: the task starts from the last commit (${baseCommit.slice(0, 12)}) without ${count === 1 ? 'it' : 'them'}. Commit first if the agent should see ${count === 1 ? 'it' : 'them'}.`,
    );
  }
  return {
    pending: {
      kind: 'new',
      repository,
      baseCommit,
      relativeCwd,
      setup: input.setup ?? settings.setup ?? null,
      stackedOn,
      directory: context.layout.worktrees,
      branchPrefix: settings.branchPrefix,
    },
    warnings,
    addDependencies,
    ...(stacksWithinBatch ? { stacksWithinBatch } : {}),
  };
}

/** The worktree of the task with id `id`, now that it has one. */
export function completeWorktree(pending: PendingWorktree, id: string): NewTaskWorktree {
  if (pending.kind === 'fixed') return pending.worktree;
  return {
    request: {
      repository: pending.repository,
      baseCommit: pending.baseCommit,
      branch: `${pending.branchPrefix}${id}`,
      relativeCwd: pending.relativeCwd,
    },
    path: join(pending.directory, id),
    setup: pending.setup,
    stackedOn: pending.stackedOn,
  };
}

/**
 * A resumed task continues in the worktree and on the branch of the task it resumes, from the
 * same base, so its change is the whole work.
 */
export function resumedWorktree(original: Task): WorktreeResolution {
  const worktree = original.worktree;
  if (worktree === null) return NONE;
  return {
    pending: { kind: 'fixed', worktree: { request: worktree.request, path: worktree.path, setup: worktree.setup, stackedOn: null } },
    warnings: [],
    addDependencies: [],
  };
}

// `--base <task id>` names it; otherwise a task that depends on exactly one worktree task, which
// is 'batch' when that one is of the same batch.
async function stackTargetOf(
  input: NewTaskInput,
  store: Pick<TaskStore, 'get'>,
  withinBatch: number,
): Promise<{ readonly task: Task; readonly explicit: boolean } | 'batch' | undefined> {
  if (input.base !== undefined && isTaskId(input.base)) {
    const task = await store.get(input.base);
    if (task !== undefined) return { task, explicit: true };
  }
  if (input.base !== undefined) return undefined;
  const withWorktrees: Task[] = [];
  // A batch's local names are not ids: the batch counts them (withinBatch).
  for (const id of (input.dependsOn ?? []).filter(isTaskId)) {
    const task = await store.get(id);
    if (task?.worktree != null) withWorktrees.push(task);
  }
  if (withWorktrees.length + withinBatch !== 1) return undefined;
  return withinBatch === 1 ? 'batch' : { task: withWorktrees[0] as Task, explicit: false };
}
