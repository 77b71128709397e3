import { type HostOptions, startHost } from './host.js';

// After a second signal, how long the host may take to record the tasks it has just killed
// before it exits anyway.
const FORCED_EXIT_WAIT_MS = 500;

/**
 * Runs a host as the main job of this process: starts it, drains it on SIGUSR2 (no more claims;
 * exits once the running tasks have finished), stops it cleanly on the first SIGINT,
 * SIGTERM or SIGHUP (running tasks are terminated through their grace period and recorded),
 * and on a second one SIGKILLs every task process at once and exits (code 130) within
 * {@link FORCED_EXIT_WAIT_MS}. Resolves with the process exit code once the host has stopped.
 */
export async function runHostProcess(options: HostOptions): Promise<number> {
  const host = await startHost(options);
  const log = options.log ?? (() => {});
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      log(`received ${signal}: stopping running tasks (send it again to exit at once)`);
      void host.stop();
      return;
    }
    if (signals > 2) return;
    log(`received ${signal} again: killing every task process and exiting now`);
    host.killTasks();
    const exit = (): never => process.exit(130);
    setTimeout(exit, FORCED_EXIT_WAIT_MS).unref();
    void host.stopped.then(exit, exit);
  };
  // SIGUSR2 (`claudine host stop --wait`): finish the running tasks, claim no more, then stop.
  const onDrain = (): void => {
    log('received SIGUSR2: letting running tasks finish, then stopping (SIGTERM stops them now)');
    void host.drain();
  };
  const watched: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of watched) process.on(signal, onSignal);
  process.on('SIGUSR2', onDrain);
  try {
    await host.stopped;
    return signals > 1 ? 130 : 0;
  } finally {
    for (const signal of watched) process.off(signal, onSignal);
    process.off('SIGUSR2', onDrain);
  }
}
