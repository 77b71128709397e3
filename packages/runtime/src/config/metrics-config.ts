import { lazySchema } from '@claudine/core';
import * as z from 'zod';
import { duration } from './setting-values.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Where the host serves `/metrics`: always a loopback address. */
export interface MetricsListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `metrics.listen`: a port (served on 127.0.0.1; 0 picks a free one) or `host:port` with
 * a loopback host. Undefined for anything else, so the endpoint is never reachable from another
 * machine.
 */
export function parseListenAddress(value: number | string): MetricsListenAddress | undefined {
  const text = String(value).trim();
  const match = /^(?:(\[::1\]|::1|127\.0\.0\.1|localhost):)?(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port > 65_535) return undefined;
  const host = match[1] ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) return undefined;
  return { host: host === 'localhost' ? '127.0.0.1' : host.replaceAll(/[[\]]/g, ''), port };
}

/** The `metrics.*` settings. */
export const metricsSettings = lazySchema(() =>
  z
    .object({
      sampleInterval: duration('1s').describe("Time between samples of a running task's processes (CPU, memory, I/O)."),
      snapshotInterval: duration('1m').describe('Time between snapshots of the whole system, kept as history.'),
      retention: duration('7d').describe('How long snapshots are kept.'),
      cgroups: z
        .enum(['auto', 'off'])
        .default('auto')
        .describe('auto: a cgroup per task where the host may create one (exact CPU time); off: read /proc only.'),
      listen: z
        .union([z.number(), z.string()])
        .optional()
        .refine((value) => value === undefined || parseListenAddress(value) !== undefined, {
          message: 'give a port (e.g. 9464) or 127.0.0.1:<port>: the metrics endpoint listens on loopback only',
        })
        .describe('Serve Prometheus metrics at http://127.0.0.1:<port>/metrics while the host runs (loopback only).'),
    })
    .strict()
    .prefault({})
    .refine((value) => value.sampleInterval >= 100, { message: 'metrics.sampleInterval must be at least 100ms' }),
);

/** The `budget.*` settings, in US dollars as agents report them. */
export const budgetSettings = lazySchema(() =>
  z
    .object({
      perTask: z.number().positive().max(100_000).optional().describe('Spending cap in USD of claude tasks that name none.'),
      daily: z.number().positive().max(1_000_000).optional().describe('Spending in USD since midnight after which new claude tasks wait.'),
    })
    .strict()
    .prefault({}),
);
