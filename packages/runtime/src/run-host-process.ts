import { type HostOptions, startHost } from './host.js';

/**
 * Runs a host as the main job of this process: starts it, stops it cleanly on the first SIGINT
 * or SIGTERM (running tasks are terminated and recorded), and exits at once on a second one.
 * Resolves with the process exit code once the host has stopped.
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
    } else {
      log(`received ${signal} again: exiting now; recovery will clean up on the next start`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await host.stopped;
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
