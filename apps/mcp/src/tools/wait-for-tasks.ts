import { isTerminalStatus, type Task } from '@claudine/core';
import { type Claudine, formatDuration } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { registerGuardedTool } from '../register-tool.js';
import { describeTask, summarizeTask, TaskSummarySchema } from '../task-summary.js';
import type { TaskWatch } from '../task-watch.js';
import { toolResult } from '../tool-result.js';

// A host that died while we wait is replaced this often (a new one recovers its tasks).
const HOST_CHECK_MS = 2000;
// Final answers in the text: enough to act on; the structured result has more.
const TEXT_RESULT_LIMIT = 1000;
const MAX_WAIT_SECONDS = 3600;

/** How `WaitForTasks` paces itself. */
export interface WaitPacing {
  /** Time between progress notifications (when the client sent a progressToken). */
  readonly progressIntervalMs: number;
  /** How long a call waits when it names no timeoutSeconds. */
  readonly defaultTimeoutMs: number;
}

const inputSchema = {
  taskIds: z.array(z.string()).min(1).max(100).describe('The tasks to wait for.'),
  mode: z.enum(['all', 'any']).optional().describe('"all" (default): return when every task has finished; "any": as soon as one has.'),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(
      'Return with the current state after this long even if tasks are still running (default 50, under the usual 60 s client timeout). Call again to keep waiting.',
    ),
};

const outputSchema = {
  done: z.boolean().describe('True when the wait is over: all tasks finished (mode "all") or one did (mode "any").'),
  timedOut: z.boolean().describe('True when it returned because timeoutSeconds passed first.'),
  waitedSeconds: z.number(),
  finished: z.array(z.string()).describe('Ids of the tasks that have finished (completed, failed or cancelled).'),
  pending: z.array(z.string()).describe('Ids of the tasks still queued or running.'),
  tasks: z.array(TaskSummarySchema).describe('Every task waited for, in the order asked.'),
};

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Registers `WaitForTasks`. */
export function registerWaitForTasks(server: McpServer, claudine: Claudine, watch: TaskWatch, pacing: WaitPacing): void {
  registerGuardedTool(
    server,
    'WaitForTasks',
    {
      title: 'Wait for tasks',
      description: `Block until delegated tasks finish, then return their final state and results: use it when you cannot go on without their outcome (otherwise keep working and check with TaskStatus). Waits for all of them, or with mode "any" for the first. It returns early with the current state after timeoutSeconds (default ${Math.round(pacing.defaultTimeoutMs / 1000)}) so the call never outlives the client's own timeout: then call it again. Sends progress notifications while it waits.`,
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const ids = [...new Set(args.taskIds)];
      const tasks = new Map<string, Task>();
      // Every id is checked first: a typo is an error, not an endless wait.
      for (const id of ids) tasks.set(id, await claudine.get(id));
      const timeoutMs = args.timeoutSeconds === undefined ? pacing.defaultTimeoutMs : args.timeoutSeconds * 1000;
      const started = Date.now();
      const outcome = await waitFor(claudine, watch, tasks, args.mode ?? 'all', timeoutMs, pacing.progressIntervalMs, extra, started);
      const ordered = ids.map((id) => tasks.get(id) as Task);
      const finished = ordered.filter((task) => isTerminalStatus(task.status)).map((task) => task.id);
      const pending = ordered.filter((task) => !isTerminalStatus(task.status)).map((task) => task.id);
      const waitedSeconds = Math.round((Date.now() - started) / 100) / 10;
      const structured = {
        done: outcome === 'done',
        timedOut: outcome === 'timeout',
        waitedSeconds,
        finished,
        pending,
        tasks: ordered.map((task) => summarizeTask(task)),
      };
      return toolResult(structured, describeWait(ordered, structured));
    },
  );
}

async function waitFor(
  claudine: Claudine,
  watch: TaskWatch,
  tasks: Map<string, Task>,
  mode: 'all' | 'any',
  timeoutMs: number,
  progressIntervalMs: number,
  extra: Extra,
  started: number,
): Promise<'done' | 'timeout' | 'aborted'> {
  const isDone = (): boolean => {
    const ended = [...tasks.values()].filter((task) => isTerminalStatus(task.status)).length;
    return mode === 'all' ? ended === tasks.size : ended > 0;
  };
  if (isDone()) return 'done';
  const progressToken = extra._meta?.progressToken;
  return await new Promise((resolve) => {
    let lastProgress = 0;
    const sendProgress = (): void => {
      if (progressToken === undefined) return;
      // Progress must grow with each notification: it counts the seconds waited, of the most.
      const progress = Math.round((Date.now() - started) / 100) / 10;
      if (progress <= lastProgress) return;
      lastProgress = progress;
      const ended = [...tasks.values()].filter((task) => isTerminalStatus(task.status)).length;
      const running = [...tasks.values()].filter((task) => task.status === 'running').length;
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress,
            total: timeoutMs / 1000,
            message: `${ended} of ${tasks.size} tasks finished, ${running} running; waited ${formatDuration(Date.now() - started)}.`,
          },
        })
        .catch(() => {
          // The client went away; the abort signal ends the wait.
        });
    };
    const finish = (outcome: 'done' | 'timeout' | 'aborted'): void => {
      unfollow();
      clearTimeout(deadline);
      clearInterval(progress);
      clearInterval(hostCheck);
      extra.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const unfollow = watch.follow([...tasks.values()], (task) => {
      tasks.set(task.id, task);
      if (isTerminalStatus(task.status)) sendProgress();
      if (isDone()) finish('done');
    });
    const deadline = setTimeout(() => finish('timeout'), timeoutMs);
    const progress = setInterval(sendProgress, progressIntervalMs);
    const hostCheck = setInterval(() => {
      claudine.ensureHost().catch(() => {
        // No host could start: the tasks stay queued, and the wait ends at its deadline.
      });
    }, HOST_CHECK_MS);
    const onAbort = (): void => finish('aborted');
    extra.signal.addEventListener('abort', onAbort, { once: true });
    if (extra.signal.aborted) finish('aborted');
  });
}

function describeWait(
  tasks: readonly Task[],
  outcome: { done: boolean; timedOut: boolean; waitedSeconds: number; finished: string[]; pending: string[] },
): string {
  const head = outcome.done
    ? `Done after ${outcome.waitedSeconds} s: ${outcome.finished.length} of ${tasks.length} tasks finished.`
    : `Still waiting after ${outcome.waitedSeconds} s: ${outcome.finished.length} of ${tasks.length} tasks finished; ${outcome.pending.join(', ')} not yet. Call WaitForTasks again to keep waiting, or do something else meanwhile.`;
  const lines = tasks.map((task) => {
    const result = task.report?.resultText;
    const shown =
      result === null || result === undefined || !isTerminalStatus(task.status)
        ? ''
        : `\n  Result: ${result.length > TEXT_RESULT_LIMIT ? `${result.slice(0, TEXT_RESULT_LIMIT)}… (TaskStatus has more)` : result}`;
    return `- ${describeTask(task)}${shown}`;
  });
  return [head, ...lines].join('\n');
}
