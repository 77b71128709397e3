import { WORKTREE_MERGE_STRATEGIES } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { registerGuardedTool } from '../register-tool.js';
import { toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().describe('A finished task run with worktree: true.'),
  into: z.string().optional().describe('The branch to merge into (default: the one checked out in the repository).'),
  strategy: z
    .enum(WORKTREE_MERGE_STRATEGIES)
    .optional()
    .describe(
      "squash (default: one commit with the task's prompt, summary and id), merge (a merge commit) or rebase (its commits replayed).",
    ),
  deleteBranch: z.boolean().optional().describe("Delete the task's branch once merged (default: kept until pruned)."),
};

const outputSchema = {
  taskId: z.string(),
  target: z.string(),
  strategy: z.enum(WORKTREE_MERGE_STRATEGIES),
  commit: z.string().describe('The commit the target points to now.'),
  files: z.array(z.string()),
  insertions: z.number(),
  deletions: z.number(),
  worktreeRemoved: z.boolean(),
  branchDeleted: z.boolean(),
};

/** Registers `MergeTask`: lands a worktree task's branch in a target branch (destructive: it moves the target). */
export function registerMergeTask(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'MergeTask',
    {
      title: "Merge a worktree task's branch",
      description:
        "Lands a finished worktree task's branch in the branch checked out in its repository (or into), and removes its worktree. The merge is computed first: on a conflict nothing changes and the error lists the conflicting files; then ResumeTask the task asking it to rebase onto the target and resolve them, or leave it to the user. Refused when the target's checkout has uncommitted changes to the files the merge touches. This changes the user's branch and checkout: merge only what you (or the user) reviewed with TaskDiff.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      const merged = await claudine.merge(args.taskId, {
        ...(args.into === undefined ? {} : { into: args.into }),
        ...(args.strategy === undefined ? {} : { strategy: args.strategy }),
        ...(args.deleteBranch === true ? { deleteBranch: true } : {}),
      });
      const outcome = merged.merge;
      const worktreeRemoved = merged.worktree === 'removed' || merged.worktree === 'already_gone';
      const kept = typeof merged.worktree === 'object' ? ` Its worktree is kept: ${merged.worktree.kept}.` : ' Its worktree is removed.';
      const branch = merged.branch === 'deleted' ? ' Its branch is deleted.' : ' Its branch is kept.';
      return toolResult(
        {
          taskId: args.taskId,
          target: outcome.target,
          strategy: outcome.strategy,
          commit: outcome.commit,
          files: outcome.files.map((file) => file.path),
          insertions: outcome.insertions,
          deletions: outcome.deletions,
          worktreeRemoved,
          branchDeleted: merged.branch === 'deleted',
        },
        `Merged task ${args.taskId} into ${outcome.target} (${outcome.strategy}) as ${outcome.commit.slice(0, 12)}: ${outcome.files.length} file(s), +${outcome.insertions} -${outcome.deletions}.${kept}${branch}`,
      );
    },
  );
}
