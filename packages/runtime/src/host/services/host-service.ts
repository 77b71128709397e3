/**
 * One part of a running host (a loop, a timer, a watcher) that starts with the host and stops
 * with it. `startHost` composes them: started in order, stopped in the reverse order, so a part
 * stops only after every part that depends on it.
 */
export interface HostService {
  /** What the host's log calls it when its stop fails. */
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Starts `services` in order. If one throws, those already started are stopped (in reverse)
 * and the error is rethrown, so a host that failed to start leaves nothing running.
 */
export async function startServices(services: readonly HostService[], log: (line: string) => void): Promise<void> {
  const started: HostService[] = [];
  try {
    for (const service of services) {
      await service.start();
      started.push(service);
    }
  } catch (error) {
    await stopServices(started, log);
    throw error;
  }
}

/**
 * Stops `services` in the reverse of their order. A stop that throws is logged and the others
 * still stop: a host that is leaving must release what it holds.
 */
export async function stopServices(services: readonly HostService[], log: (line: string) => void): Promise<void> {
  for (const service of [...services].reverse()) {
    try {
      await service.stop();
    } catch (error) {
      log(`could not stop the ${service.name}: ${(error as Error).message}`);
    }
  }
}
