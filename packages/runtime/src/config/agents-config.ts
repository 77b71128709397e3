import { CODEX_SANDBOXES, EFFORT_LEVELS, lazySchema, PERMISSION_MODES } from '@claudine/core';
import * as z from 'zod';
import { textList } from './setting-values.js';

/**
 * The `agents.*` settings: each agent's executable and the options every task of it gets unless
 * it names its own. Lists (tools, directories, MCP configurations, arguments) add to the task's
 * own; single values are replaced by the task's.
 */
export const agentsSettings = lazySchema(() =>
  z
    .object({
      claude: z
        .object({
          command: z.string().min(1).default('claude').describe('The claude executable.'),
          permissionMode: z.enum(PERMISSION_MODES).default('acceptEdits').describe('Permission mode of claude tasks that name none.'),
          model: z.string().min(1).optional().describe('Model of claude tasks that name none.'),
          allowedTools: textList(/,/).describe('Tools every claude task may use without asking, e.g. Bash(pnpm test:*),Read.'),
          disallowedTools: textList(/,/).describe('Tools no claude task may use.'),
          addDirs: textList(/,/).describe('More directories every claude task may access.'),
          mcpConfig: textList(null).describe('MCP server configurations (JSON files or strings) every claude task loads.'),
          settings: z.string().min(1).optional().describe('A settings file or JSON string every claude task loads.'),
          effort: z.enum(EFFORT_LEVELS).optional().describe('Effort level of claude tasks that name none.'),
          fallbackModel: z.string().min(1).optional().describe('Fallback models of claude tasks that name none.'),
          appendSystemPrompt: z.string().min(1).optional().describe('Text appended to the system prompt of claude tasks that name none.'),
          agentArgs: textList(/\s+/).describe('More arguments for every claude command line.'),
        })
        .strict()
        .prefault({}),
      codex: z
        .object({
          command: z.string().min(1).default('codex').describe('The codex executable.'),
          model: z.string().min(1).optional().describe('Model of codex tasks that name none.'),
          sandbox: z.enum(CODEX_SANDBOXES).optional().describe('Sandbox policy of codex tasks that name none.'),
          agentArgs: textList(/\s+/).describe('More arguments for every codex command line.'),
        })
        .strict()
        .prefault({}),
      command: z
        .object({ shell: z.string().min(1).default('/bin/sh').describe('The shell that runs command tasks.') })
        .strict()
        .prefault({}),
    })
    .strict()
    .prefault({}),
);
