import type { HostExit } from '../host.js';
import type { HostService } from './host-service.js';

/** Options for {@link createIdleExitService}. */
export interface IdleExitServiceOptions {
  /** Exit after `idleExitMs` with nothing queued or running; without it only drain stops the host. */
  readonly exitWhenIdle: boolean;
  readonly idleExitMs: number;
  /** True when the claim loop runs nothing and has no store operation in flight. */
  readonly isIdle: () => boolean;
  /**
   * Releases the host's registration if nothing is queued or running, in one transaction;
   * resolves whether it did.
   */
  readonly releaseIfIdle: () => Promise<boolean>;
  /** Stops the host. */
  readonly shutdown: (exit: HostExit) => void;
  readonly log: (line: string) => void;
}

/** The host's way out when it has nothing to do: idle exit, and drain before an upgrade. */
export interface IdleExitService extends HostService {
  /** Something happened (a task started or ended): the idle period starts again. */
  activity(): void;
  /** Stop once the claim loop is idle. */
  drain(): void;
  /** True once {@link drain} was called: nothing more may be claimed. */
  readonly draining: boolean;
}

/**
 * Watches for the host having nothing to do. With `exitWhenIdle` (hosts started on demand), the
 * host stops as `idle` after `idleExitMs` without activity, but only once the store confirms
 * that nothing is queued or running. After {@link IdleExitService.drain} it stops as `stopped`
 * once its running tasks have ended.
 */
export function createIdleExitService(options: IdleExitServiceOptions): IdleExitService {
  let lastActivity = Date.now();
  let idleTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let draining = false;
  const checkIdle = (): void => {
    if (!options.exitWhenIdle || !options.isIdle() || Date.now() - lastActivity < options.idleExitMs) return;
    // Released only if nothing is queued or running, in one transaction: a task submitted a
    // moment ago keeps the host, and a client that looks after this sees no host and starts one.
    options.releaseIfIdle().then(
      (released) => {
        if (released) options.shutdown('idle');
        else lastActivity = Date.now();
      },
      (error: unknown) => options.log(`idle check failed: ${(error as Error).message}`),
    );
  };
  return {
    name: 'idle exit',
    get draining() {
      return draining;
    },
    activity() {
      lastActivity = Date.now();
    },
    drain() {
      if (draining) return;
      draining = true;
      drainTimer = setInterval(() => {
        if (options.isIdle()) options.shutdown('stopped');
      }, 100);
    },
    start() {
      idleTimer = setInterval(checkIdle, Math.min(1000, Math.max(50, Math.floor(options.idleExitMs / 4))));
    },
    stop() {
      clearInterval(idleTimer);
      clearInterval(drainTimer);
    },
  };
}
