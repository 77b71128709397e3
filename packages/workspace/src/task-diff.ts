import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { err, ok, type Result } from '@claudine/core';
import { type ChangeSummary, summariseChange } from './change-summary.js';
import { openRepository } from './checkout.js';
import { gitEnvironment, resolveCommit, runGit } from './git.js';
import type { WorkspaceContext } from './workspace-context.js';

/** Which task's changes: its repository and branch, and the branch they are meant for. */
export interface TaskDiffRequest {
  /** The top level of the repository's checkout (the recorded repository). */
  readonly repository: string;
  readonly branch: string;
  /** The branch the changes are meant for; default what is checked out in `repository` (its HEAD). */
  readonly target?: string;
}

/** The two ends of a task's diff. */
export interface DiffRange {
  /** Where the task's branch left the target (their merge base), not the target's tip. */
  readonly forkPoint: string;
  /** The head of the task's branch. */
  readonly head: string;
  /** The target as given, or `HEAD`. */
  readonly target: string;
}

/** A task's change per file, against the fork point. */
export interface TaskDiffStat extends DiffRange, ChangeSummary {}

/** Options for a page of the patch. */
export interface PatchPageRequest extends TaskDiffRequest {
  /** Bytes of the patch to skip (the `nextOffset` of the previous page); default 0. */
  readonly offset?: number;
  /** Most bytes to return; default {@link DEFAULT_PATCH_PAGE_BYTES}. */
  readonly limit?: number;
}

/** One page of a task's patch. */
export interface PatchPage extends DiffRange {
  readonly patch: string;
  readonly offset: number;
  /** Where the next page starts. */
  readonly nextOffset: number;
  /** True when this page reaches the end of the patch. */
  readonly complete: boolean;
}

/** Why there is no diff; `message` says what to do. */
export interface TaskDiffRefusal {
  readonly kind: 'repository_missing' | 'branch_missing' | 'target_missing' | 'unrelated';
  readonly message: string;
}

/** Default size of a page of the patch: enough for a review of a normal change, small enough for a tool result. */
export const DEFAULT_PATCH_PAGE_BYTES = 256 * 1024;

const PATCH_OPTIONS = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M'];

/** Resolves the fork point and head of a task's branch against its target. */
export async function taskDiffRange(
  context: WorkspaceContext,
  request: TaskDiffRequest,
): Promise<Result<DiffRange & { cwd: string }, TaskDiffRefusal>> {
  const { git } = context;
  const opened = await openRepository(context, request.repository);
  if (!opened.ok) return opened;
  const cwd = opened.value.topLevel;
  const target = request.target ?? 'HEAD';
  const [head, targetCommit] = await Promise.all([
    resolveCommit(git, cwd, `refs/heads/${request.branch}`),
    resolveCommit(git, cwd, request.target === undefined ? 'HEAD' : `refs/heads/${request.target}`),
  ]);
  if (head === null) {
    return err({
      kind: 'branch_missing',
      message: `the branch ${request.branch} is not in ${cwd} any more (deleted by hand?): there is nothing to show`,
    });
  }
  if (targetCommit === null) {
    return err({ kind: 'target_missing', message: `the target branch ${target} is not in ${cwd}: name a branch that exists` });
  }
  const base = await runGit(git, ['merge-base', targetCommit, head], { cwd, allowExitCodes: [1], readOnly: true });
  if (base.exitCode !== 0)
    return err({ kind: 'unrelated', message: `${request.branch} and ${target} share no history: compare them by hand` });
  return ok({ forkPoint: base.stdout.toString('utf8').trim(), head, target, cwd });
}

/** The files a task changed, with lines added and removed, against the point where its branch left the target. */
export async function taskDiffStat(context: WorkspaceContext, request: TaskDiffRequest): Promise<Result<TaskDiffStat, TaskDiffRefusal>> {
  const range = await taskDiffRange(context, request);
  if (!range.ok) return range;
  const { cwd, ...ends } = range.value;
  return ok({ ...ends, ...(await summariseChange(context.git, cwd, ends.forkPoint, ends.head)) });
}

/** The patch of a task against its fork point, as a stream (for printing it whole, with backpressure). */
export async function taskPatchStream(
  context: WorkspaceContext,
  request: TaskDiffRequest,
): Promise<Result<DiffRange & { readonly stream: Readable }, TaskDiffRefusal>> {
  const range = await taskDiffRange(context, request);
  if (!range.ok) return range;
  const { cwd, ...ends } = range.value;
  const child = spawn(context.git.executable, [...PATCH_OPTIONS, ends.forkPoint, ends.head, '--'], {
    cwd,
    env: gitEnvironment({}, true),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  child.on('error', (error) => child.stdout.destroy(error));
  // A reader that stops early destroys the stream; git then gets SIGPIPE and exits.
  return ok({ ...ends, stream: child.stdout });
}

// The largest prefix of `bytes` that ends at a line break, or else at a character boundary.
function pageEnd(bytes: Buffer): number {
  const lastNewline = bytes.lastIndexOf(0x0a);
  if (lastNewline !== -1) return lastNewline + 1;
  let end = bytes.length;
  // Step back over UTF-8 continuation bytes (10xxxxxx) and the lead byte of a cut character.
  let back = 0;
  while (back < 4 && end - back - 1 >= 0 && ((bytes[end - back - 1] as number) & 0xc0) === 0x80) back += 1;
  const lead = bytes[end - back - 1];
  if (lead !== undefined && lead >= 0xc0) {
    const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (back + 1 < needed) end -= back + 1;
  }
  return end;
}

/**
 * A page of a task's patch: at most `limit` bytes from `offset`, cut after a line where one
 * fits, with `nextOffset` and `complete` to read the rest. Git stops once the page is read, so
 * a huge patch costs only what is shown. Offsets are into the patch between the same two
 * commits (`forkPoint`, `head`): if the branch moves between pages, start again from 0.
 */
export async function taskPatchPage(context: WorkspaceContext, request: PatchPageRequest): Promise<Result<PatchPage, TaskDiffRefusal>> {
  const offset = Math.max(0, Math.floor(request.offset ?? 0));
  const limit = Math.max(1, Math.floor(request.limit ?? DEFAULT_PATCH_PAGE_BYTES));
  const opened = await taskPatchStream(context, request);
  if (!opened.ok) return opened;
  const { stream, ...ends } = opened.value;
  const wanted = offset + limit + 1;
  const chunks: Buffer[] = [];
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      const start = Math.max(0, offset - seen);
      const end = Math.min(chunk.length, wanted - seen);
      if (end > start) chunks.push(chunk.subarray(start, end));
      seen += chunk.length;
      if (seen >= wanted) {
        stream.destroy();
        resolve();
      }
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const window = Buffer.concat(chunks);
  const complete = window.length <= limit;
  const page = complete ? window : window.subarray(0, pageEnd(window.subarray(0, limit)) || limit);
  return ok({ ...ends, patch: page.toString('utf8'), offset, nextOffset: offset + page.length, complete });
}
