import { formatDuration } from '@claudine/core';
import type { SqliteTaskStore } from '@claudine/store-sqlite';
import type { Config } from '../../config/config.js';
import type { DataLayout } from '../../config/data-directory.js';
import { pruneTasks } from '../prune.js';
import { type RecoveryOptions, type RecoveryReport, recoverOrphanedTasks } from '../recovery.js';
import type { HostService } from './host-service.js';

const PRUNE_EVERY_MS = 3_600_000;

/** Options for {@link createHousekeepingService}. */
export interface HousekeepingServiceOptions {
  readonly store: SqliteTaskStore;
  readonly layout: DataLayout;
  readonly config: Config;
  readonly recovery: RecoveryOptions;
  /** Something was recovered: tasks were requeued or failed. */
  readonly onRecovered: (report: RecoveryReport) => void;
  readonly log: (line: string) => void;
}

/**
 * Housekeeping, at start and then every lease period: recovers tasks of hosts that died while
 * this one runs (their claims would otherwise hold slots of the global cap), and prunes old
 * finished tasks with their output (`database.pruneAfter`, at most hourly). One pass at a time;
 * stop waits for the one in flight.
 */
export function createHousekeepingService(options: HousekeepingServiceOptions): HostService {
  const { store, layout, config, log } = options;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastPrune = 0;
  const run = (): void => {
    running ??= (async () => {
      try {
        const recovered = await recoverOrphanedTasks(options.recovery);
        if (recovered.failed.length + recovered.requeued.length > 0) options.onRecovered(recovered);
        if (config.database.pruneAfter > 0 && Date.now() - lastPrune > PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          const pruned = await pruneTasks(store, layout, Date.now() - config.database.pruneAfter);
          if (pruned > 0) log(`pruned ${pruned} task(s) that finished more than ${formatDuration(config.database.pruneAfter)} ago`);
        }
      } catch (error) {
        log(`housekeeping failed: ${(error as Error).message}`);
      } finally {
        running = undefined;
      }
    })();
  };
  return {
    name: 'housekeeping',
    start() {
      timer = setInterval(run, Math.max(1000, config.host.lease));
      run();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
