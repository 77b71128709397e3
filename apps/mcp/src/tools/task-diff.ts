import { type Claudine, DEFAULT_PATCH_PAGE_BYTES } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { READS_TASKS, registerGuardedTool } from '../register-tool.js';
import { toolResult } from '../tool-result.js';

// A patch page bounded so that a tool result stays a reasonable part of a model's context.
const MAX_PAGE_BYTES = DEFAULT_PATCH_PAGE_BYTES;

const inputSchema = {
  taskId: z.string().describe('A task run with worktree: true.'),
  offset: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Where the page of the patch starts: the nextOffset of the previous call. Default 0.'),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(MAX_PAGE_BYTES)
    .optional()
    .describe(`Most bytes of patch returned (default and most ${MAX_PAGE_BYTES}).`),
  into: z.string().optional().describe('The target branch to compare against (default: the one checked out in the repository).'),
  statOnly: z.boolean().optional().describe('Only the files changed, no patch.'),
};

const outputSchema = {
  taskId: z.string(),
  branch: z.string(),
  target: z.string(),
  forkPoint: z.string().describe('Where the branch left the target: the diff is against it, not the moved tip.'),
  head: z.string(),
  files: z.array(z.object({ path: z.string(), status: z.string(), insertions: z.number(), deletions: z.number(), binary: z.boolean() })),
  insertions: z.number(),
  deletions: z.number(),
  patch: z.string().nullable().describe('This page of the unified diff; null with statOnly.'),
  nextOffset: z.number().nullable().describe('Pass as offset to read the rest; null when the patch is complete.'),
};

/** Registers `TaskDiff`: a worktree task's files and a bounded page of its patch. */
export function registerTaskDiff(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'TaskDiff',
    {
      title: "Show a worktree task's changes",
      description:
        'What a task run with worktree: true changed: every file with lines added and removed, and its patch against the point where its branch left the target (so commits made to the target since do not show as undone), up to maxBytes per call. When nextOffset is not null, call again with offset: nextOffset for the rest. Then MergeTask to land it.',
      inputSchema,
      outputSchema,
      annotations: READS_TASKS,
    },
    async (args) => {
      const diff = await claudine.diff(args.taskId, {
        ...(args.statOnly === true ? { stat: true } : {}),
        ...(args.offset === undefined ? {} : { offset: args.offset }),
        limit: args.maxBytes ?? MAX_PAGE_BYTES,
        ...(args.into === undefined ? {} : { target: args.into }),
      });
      const { stat, page } = diff;
      const branch = diff.task.worktree?.request.branch ?? '';
      const nextOffset = page === null || page.complete ? null : page.nextOffset;
      const files = stat.files.map((file) => ({
        path: file.path,
        status: file.status,
        insertions: file.insertions,
        deletions: file.deletions,
        binary: file.binary,
      }));
      const summary = `${stat.files.length} file(s) changed on ${branch}, +${stat.insertions} -${stat.deletions} against ${stat.target} (fork point ${stat.forkPoint.slice(0, 12)}): ${stat.files.map((file) => file.path).join(', ') || 'none'}.`;
      const more =
        nextOffset === null
          ? ''
          : ` The patch goes on: call TaskDiff with {"taskId": "${args.taskId}", "offset": ${nextOffset}} for the next page.`;
      return toolResult(
        {
          taskId: args.taskId,
          branch,
          target: stat.target,
          forkPoint: stat.forkPoint,
          head: stat.head,
          files,
          insertions: stat.insertions,
          deletions: stat.deletions,
          patch: page?.patch ?? null,
          nextOffset,
        },
        `${summary}${more}${page === null ? '' : `\n\n${page.patch}`}`,
      );
    },
  );
}
