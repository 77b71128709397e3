import { lazySchema } from '@claudine/core';
import * as z from 'zod';
import { duration } from './setting-values.js';

// Clients give up on a request after their own timeout (the MCP SDK's default is 60 s) unless
// progress resets it: progress comes well inside that, and a wait returns before it by default.
const MAX_PROGRESS_INTERVAL_MS = 30_000;
const MAX_WAIT_MS = 60 * 60_000;

/** The `mcp.*` settings: how the MCP server paces long calls, and where `--http` listens. */
export const mcpSettings = lazySchema(() =>
  z
    .object({
      progressInterval: duration('15s').describe('Time between progress notifications while a tool call waits (at most 30s).'),
      waitTimeout: duration('50s').describe('How long WaitForTasks waits when the call names no timeoutSeconds (at most 1h).'),
      httpPort: z
        .number()
        .int()
        .min(0)
        .max(65_535)
        .default(7433)
        .describe('Port of `claudine mcp --http` when none is given (loopback only).'),
    })
    .strict()
    .prefault({})
    .refine((value) => value.progressInterval >= 100 && value.progressInterval <= MAX_PROGRESS_INTERVAL_MS, {
      message: 'mcp.progressInterval must be between 100ms and 30s (clients time out without progress)',
    })
    .refine((value) => value.waitTimeout >= 1000 && value.waitTimeout <= MAX_WAIT_MS, {
      message: 'mcp.waitTimeout must be between 1s and 1h',
    }),
);
