import { formatDuration, lazySchema, PRIORITIES } from '@claudine/core';
import * as z from 'zod';
import { notifySettings } from '../notify/notify-settings.js';
import { agentsSettings } from './agents-config.js';
import { mcpSettings } from './mcp-config.js';
import { budgetSettings, metricsSettings } from './metrics-config.js';
import { bytes, duration } from './setting-values.js';
import { worktreeSettings } from './worktree-config.js';

// Each section's schema, made when first used: a command whose configuration sets only a few
// sections (or none) builds only those (see resolveConfig).
const SECTIONS = {
  concurrency: () =>
    z
      .union([z.literal('auto'), z.number().int().min(1).max(256)])
      .default('auto')
      .describe('Most tasks running at once; `auto` derives it from cores and memory.'),
  defaults: () =>
    z
      .object({
        agent: z.enum(['claude', 'codex', 'command']).default('claude').describe('Agent of tasks that name none.'),
        priority: z.enum(PRIORITIES).default('P1').describe('Priority of tasks that name none.'),
      })
      .strict()
      .prefault({}),
  timeout: () =>
    z
      .object({
        default: duration('30m').describe('Timeout of tasks that name none.'),
        max: duration('2h').describe('Longest timeout a task may ask for.'),
        warnAt: z.number().gt(0).lt(1).default(0.9).describe('Fraction of the timeout at which a warning is given.'),
        killGrace: duration('5s').describe('Time between SIGTERM and SIGKILL.'),
      })
      .strict()
      .superRefine(checkTimeouts)
      .prefault({}),
  retry: () =>
    z
      .object({
        maxRetries: z.number().int().min(0).max(100).default(2).describe('Retries of transient agent failures (rate limit, overload).'),
        baseDelay: duration('15s').describe('Delay before the first retry; doubles each time.'),
        maxDelay: duration('10m').describe('Longest delay between retries.'),
        onCrash: z
          .boolean()
          .default(true)
          .describe('Requeue a task whose host crashed while it ran, if it has retries left (else it fails as crashed).'),
      })
      .strict()
      .prefault({}),
  host: () =>
    z
      .object({
        idleExit: duration('5m').describe('A host started on demand exits after this long with nothing to do.'),
        lease: duration('30s').describe('How long a claim on a running task lasts without a heartbeat.'),
      })
      .strict()
      .prefault({}),
  output: () =>
    z
      .object({
        bufferBytes: bytes('1MiB').describe('Output held in memory per task before the pipe is paused.'),
        segmentBytes: bytes('100MiB')
          .refine((value) => value >= 1024, 'a segment must be at least 1KiB')
          .describe("Size at which a task's log rolls into a new segment."),
        compressionAge: duration('1h').describe('Closed log segments are compressed (zstd) once this old; 0 compresses them at once.'),
        retention: duration('7d').describe("A finished task's log is deleted this long after it finished."),
        maxBytesPerTask: bytes('10GiB')
          .refine((value) => value >= 1024, 'the cap must be at least 1KiB')
          .describe("Cap on a task's stored output; beyond it output is dropped, counted, and the task flagged outputTruncated."),
      })
      .strict()
      .prefault({}),
  agents: () => agentsSettings,
  database: () =>
    z
      .object({
        busyTimeout: duration('5s').describe('How long a write waits for another process before failing.'),
        pruneAfter: duration('30d').describe('The host deletes finished tasks (and their output) this long after they end; 0 keeps them.'),
      })
      .strict()
      .prefault({}),
  metrics: () => metricsSettings,
  budget: () => budgetSettings,
  mcp: () => mcpSettings,
  notify: () => notifySettings,
  worktree: () => worktreeSettings,
};

type ConfigShape = { [Key in keyof typeof SECTIONS]: ReturnType<(typeof SECTIONS)[Key]> };
const builtSections = new Map<string, z.ZodType>();

export function sectionSchema<Key extends keyof ConfigShape>(key: Key): ConfigShape[Key] {
  let schema = builtSections.get(key);
  if (schema === undefined) {
    schema = SECTIONS[key]();
    builtSections.set(key, schema);
  }
  return schema as ConfigShape[Key];
}

export function isSection(key: string): key is keyof ConfigShape {
  return Object.hasOwn(SECTIONS, key);
}

/**
 * Claudine's settings. Every field has a default, so an empty file (or none) is a valid
 * configuration. Durations accept milliseconds or text (`30s`, `5m`, `2h`); sizes accept bytes
 * or text (`1MiB`). Built on first use: most commands never validate a setting (see
 * {@link resolveConfig}).
 */
export const ConfigSchema = lazySchema(() =>
  z.object(Object.fromEntries(Object.keys(SECTIONS).map((key) => [key, sectionSchema(key as keyof ConfigShape)])) as ConfigShape).strict(),
);

// The timeouts depend on each other: checked together whichever of them changed, wherever.
function checkTimeouts(timeout: { default: number; max: number }, context: z.RefinementCtx): void {
  if (timeout.default <= 0) {
    context.addIssue({
      code: 'custom',
      path: ['default'],
      message: 'must be longer than 0 (a timeout of 0 would stop every task at once): use e.g. 30m',
    });
  } else if (timeout.max < timeout.default) {
    context.addIssue({
      code: 'custom',
      params: { settings: ['timeout.default', 'timeout.max'] },
      message: `timeout.max (${formatDuration(timeout.max)}) is shorter than timeout.default (${formatDuration(timeout.default)}), so every task that names no timeout would be refused: raise timeout.max, or lower timeout.default`,
    });
  }
}

/** Settings as written in a file or the environment (durations and sizes may be text). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** Resolved settings: every field present, durations in ms, sizes in bytes. */
export type Config = z.output<typeof ConfigSchema>;
