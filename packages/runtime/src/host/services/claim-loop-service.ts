import { type Clock, createScheduler, type SchedulerOptions } from '@claudine/core';
import type { HostService } from './host-service.js';

/** The host's claim loop: core's scheduler, started and stopped with the host. */
export interface ClaimLoopService extends HostService {
  /** Claim what can be claimed; `external` when another process changed the store. */
  poke(external?: boolean): void;
  /** True when nothing runs and no store operation is in flight. */
  readonly idle: boolean;
  /** Ids of the tasks this host runs now. */
  readonly runningIds: readonly string[];
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * Claims ready tasks and runs them (core's scheduler on the real clock). Stop hands back a claim
 * in flight, terminates the running tasks and resolves once each end is recorded.
 */
export function createClaimLoopService(options: Omit<SchedulerOptions, 'clock' | 'random'>): ClaimLoopService {
  const scheduler = createScheduler({ ...options, clock: realClock, random: Math.random });
  return {
    name: 'claim loop',
    poke: (external) => scheduler.poke(external),
    get idle() {
      return scheduler.idle;
    },
    get runningIds() {
      return scheduler.runningIds;
    },
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
