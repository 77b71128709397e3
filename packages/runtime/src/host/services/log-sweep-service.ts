import type { OutputMaintenance } from '@claudine/runner';
import type { Config } from '../../config/config.js';
import type { WorktreeRetention } from '../worktree-retention.js';
import type { HostService } from './host-service.js';

/**
 * The output logs' periodic pass: a sweep once the claim loop runs, then every so often
 * (compress old segments, delete expired and orphaned logs). The maintenance itself, which
 * also compresses segments as runs close them, stops with {@link outputMaintenanceService}.
 */
export function createLogSweepService(
  maintenance: OutputMaintenance,
  config: Config,
  log: (line: string) => void,
  worktrees?: WorktreeRetention,
): HostService {
  let timer: NodeJS.Timeout | undefined;
  const sweep = (): void => {
    // Worktrees of finished tasks are pruned on the schedule of their logs.
    worktrees?.sweep();
    maintenance.sweep().then(
      (report) => {
        const done = report.compressedSegments + report.deletedLogs + report.deletedOrphans + report.failures;
        if (done > 0) {
          log(
            `logs: ${report.compressedSegments} segments compressed (${report.savedBytes} bytes saved), ${report.deletedLogs} expired logs and ${report.deletedOrphans} orphaned ones deleted, ${report.failures} failures`,
          );
        }
      },
      (error: unknown) => log(`log maintenance failed: ${(error as Error).message}`),
    );
  };
  return {
    name: 'log sweep',
    start() {
      timer = setInterval(sweep, outputSweepInterval(config));
      timer.unref();
      sweep();
    },
    async stop() {
      clearInterval(timer);
      await worktrees?.stop();
    },
  };
}

// Often enough that segments are compressed and logs deleted close to when they are due, never
// more than once a second nor less than every 10 minutes.
function outputSweepInterval(config: Config): number {
  const due = Math.min(config.output.compressionAge > 0 ? config.output.compressionAge : Number.POSITIVE_INFINITY, config.output.retention);
  return Math.min(600_000, Math.max(1000, Math.floor(due / 4)));
}
