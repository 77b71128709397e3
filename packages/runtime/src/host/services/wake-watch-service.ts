import { type SignalWatcher, watchSignals } from '../../change-signals.js';
import type { HostService } from './host-service.js';

/** Options for {@link createWakeWatchService}. */
export interface WakeWatchServiceOptions {
  readonly signalsDirectory: string;
  /** The database's `data_version`: it moves only when another connection commits. */
  readonly dataVersion: () => number;
  /** Another process changed the store: claim, and look for cancel requests. */
  readonly wake: () => void;
  readonly log: (line: string) => void;
}

/**
 * Wakes the claim loop when a client touches `signals/wake` (a new task, a cancel request) and
 * when another host sharing the directory touches `signals/changed` (its tasks' ends free slots
 * of the global cap). Each signal costs one `data_version` read; the claim loop is woken only
 * when another connection committed something. Start checks once, for what came before.
 */
export function createWakeWatchService(options: WakeWatchServiceOptions): HostService {
  let lastVersion = -1;
  const onSignal = (): void => {
    let version: number;
    try {
      version = options.dataVersion();
    } catch (error) {
      options.log(`could not read the database: ${(error as Error).message}`);
      return;
    }
    if (version === lastVersion) return;
    lastVersion = version;
    options.wake();
  };
  let watchers: SignalWatcher[] = [];
  return {
    name: 'wake watch',
    start() {
      watchers = [
        watchSignals(options.signalsDirectory, 'wake', onSignal),
        // Our own 'changed' signals come here too; rare polling, since peers are rare.
        watchSignals(options.signalsDirectory, 'changed', onSignal, 60_000),
      ];
      onSignal();
    },
    stop() {
      for (const watcher of watchers) watcher.close();
      watchers = [];
    },
  };
}
