import type { Config } from './config.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MIB = 1024 ** 2;

/**
 * The configuration when nothing is set: what `ConfigSchema.parse({})` returns, written out so
 * that a command run without a config file or `CLAUDINE_*` settings does not build and run the
 * schemas (config.test.ts checks that both agree). A new object each call: callers may keep it.
 */
export function defaultConfig(): Config {
  return {
    concurrency: 'auto',
    defaults: { agent: 'claude', priority: 'P1' },
    timeout: { default: 30 * MINUTE, max: 2 * HOUR, warnAt: 0.9, killGrace: 5000 },
    retry: { maxRetries: 2, baseDelay: 15_000, maxDelay: 10 * MINUTE, onCrash: true },
    host: { idleExit: 5 * MINUTE, lease: 30_000 },
    output: {
      bufferBytes: MIB,
      segmentBytes: 100 * MIB,
      compressionAge: HOUR,
      retention: 7 * DAY,
      maxBytesPerTask: 10 * 1024 * MIB,
    },
    agents: {
      claude: { command: 'claude', permissionMode: 'acceptEdits' },
      codex: { command: 'codex' },
      command: { shell: '/bin/sh' },
    },
    database: { busyTimeout: 5000, pruneAfter: 30 * DAY },
    metrics: { sampleInterval: 1000, snapshotInterval: MINUTE, retention: 7 * DAY, cgroups: 'auto' },
    budget: {},
    mcp: { progressInterval: 15_000, waitTimeout: 50_000, httpPort: 7433 },
    notify: {
      events: ['completed', 'failed', 'timed_out', 'cancelled', 'workflow'],
      desktop: false,
      webhookTimeout: 10_000,
      webhookAttempts: 5,
      webhookRetryDelay: 1000,
      commandTimeout: 30_000,
      queueSize: 200,
    },
    worktree: { default: false, retention: 7 * DAY, branchPrefix: 'claudine/' },
  };
}
