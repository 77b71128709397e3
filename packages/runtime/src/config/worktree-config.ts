import { lazySchema } from '@claudine/core';
import * as z from 'zod';
import { duration } from './setting-values.js';

/** The `worktree.*` settings: when tasks get a git worktree of their own, and what happens in it. */
export const worktreeSettings = lazySchema(() =>
  z
    .object({
      default: z
        .boolean()
        .default(false)
        .describe('Run every task whose cwd is in a git repository in a worktree of its own (`--no-worktree` overrides it).'),
      setup: z
        .string()
        .min(1)
        .optional()
        .describe('Shell command run in a new worktree before the agent starts, e.g. `pnpm install --frozen-lockfile`.'),
      retention: duration('7d').describe("A finished task's worktree is removed this long after it ended (its unmerged branch is kept)."),
      branchPrefix: z
        .string()
        .min(1)
        .max(100)
        .regex(/^[A-Za-z0-9._/-]+$/, 'a branch prefix is letters, digits and . _ / -')
        .refine((value) => !value.startsWith('/') && !value.startsWith('-') && !value.includes('..') && !value.includes('//'), {
          message: 'a branch prefix starts with a letter or digit and has no ".." or "//"',
        })
        .default('claudine/')
        .describe('Start of the branch name of a task (the task id follows).'),
    })
    .strict()
    .prefault({}),
);
