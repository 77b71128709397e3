import { type BackoffPolicy, retryDelay } from './backoff.js';
import type { Clock, TimerHandle } from './ports/clock.js';
import type { OutcomeJournal, PendingRecord } from './ports/outcome-journal.js';
import type { ProcessRunner, RunHandle, RunResult } from './ports/process-runner.js';
import type { ClaimBudget, TaskOutcome, TaskStore } from './ports/task-store.js';
import type { Task } from './task.js';

/** What the scheduler did, for logs and notifications. */
export type SchedulerEvent =
  | { readonly kind: 'task_started'; readonly task: Task }
  | { readonly kind: 'task_finished'; readonly task: Task }
  | { readonly kind: 'task_requeued'; readonly task: Task; readonly retryAt: number }
  | { readonly kind: 'task_warning'; readonly taskId: string; readonly deadline: number }
  | { readonly kind: 'lease_lost'; readonly taskId: string; readonly message: string }
  | { readonly kind: 'error'; readonly message: string; readonly error: unknown };

/** Settings and ports of a {@link Scheduler}. */
export interface SchedulerOptions {
  readonly store: TaskStore;
  readonly runner: ProcessRunner;
  readonly clock: Clock;
  /** Randomness for retry jitter, in [0, 1). */
  readonly random: () => number;
  /** This host's id: claims and leases are recorded under it. */
  readonly owner: string;
  /** Most tasks running at once, across every host on the store. */
  readonly concurrency: number;
  /** How long a claim stays valid without a heartbeat. Heartbeats run at a third of it. */
  readonly leaseMs: number;
  readonly retryBackoff: BackoffPolicy;
  /** Resource gate: when it returns false no new task starts (checked before each claim). */
  readonly canStart?: () => boolean;
  /** The spending limit claims respect now (the daily budget), if any. */
  readonly claimBudget?: (now: number) => ClaimBudget | undefined;
  /**
   * Keeps each run's end from the moment it is known until the store has it, so that a host
   * that dies meanwhile (a full disk refusing the write, then a crash) leaves it to recovery.
   */
  readonly journal?: OutcomeJournal;
  readonly onEvent?: (event: SchedulerEvent) => void;
}

/**
 * The claim loop of a host: claims ready tasks while there are free slots, starts them through
 * the {@link ProcessRunner}, keeps their leases alive, stops the ones whose cancellation was
 * requested, and records how each run ended (retrying transient failures with backoff).
 */
export interface Scheduler {
  /** Starts heartbeats and claims what can be claimed. */
  start(): void;
  /**
   * Claim what can be claimed. `external` says another process changed the store (so cancel
   * requests are looked for too); a slot freed by this scheduler's own task is not external.
   * Cheap to call often.
   */
  poke(external?: boolean): void;
  /**
   * Stops claiming (a claim already in flight is handed back unstarted), terminates every
   * running task with reason `shutdown` (SIGTERM, SIGKILL after the grace period) and resolves
   * once each has been recorded, so that the next host has nothing to recover.
   */
  stop(): Promise<void>;
  /** Ids of the tasks this scheduler runs now. */
  readonly runningIds: readonly string[];
  /** True when nothing runs and no store operation is in flight. */
  readonly idle: boolean;
}

// After a store error the loop tries again after this long rather than spinning.
const ERROR_RETRY_MS = 1000;
// A run's end that the store refuses (a full disk) is tried again at growing intervals up to
// this one, for as long as it takes: giving up would leave a finished task `running`.
const MAX_RECORD_RETRY_MS = 5000;
// Once the host is stopping, it tries this many more times and then leaves the end in the
// journal for the next host, rather than never exit.
const RECORD_TRIES_WHILE_STOPPING = 3;

/** Creates a {@link Scheduler}. Nothing happens until {@link Scheduler.start}. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, runner, clock, owner } = options;
  const running = new Map<string, RunHandle>();
  // Runs that ended and are being recorded: no longer holding a lease is expected for them.
  const settling = new Set<string>();
  let started = false;
  let stopping = false;
  let pumping = false;
  let pokedWhilePumping = false;
  // Cancel requests come from other processes: look for them only after an external change.
  let checkCancels = true;
  let heartbeatTimer: TimerHandle | undefined;
  let wakeTimer: { handle: TimerHandle; at: number } | undefined;
  const pending = new Set<Promise<unknown>>();

  function emit(event: SchedulerEvent): void {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure must not break the claim loop.
    }
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    pending.add(promise);
    const forget = (): void => {
      pending.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  function scheduleWake(at: number): void {
    // A stopping scheduler claims nothing more: no timer may outlive stop().
    if (stopping) return;
    if (wakeTimer !== undefined && wakeTimer.at <= at) return;
    wakeTimer?.handle.cancel();
    const delay = Math.max(0, at - clock.now());
    wakeTimer = {
      at,
      handle: clock.setTimer(() => {
        wakeTimer = undefined;
        poke();
      }, delay),
    };
  }

  function heartbeat(): void {
    heartbeatTimer = clock.setTimer(heartbeat, Math.max(1, Math.floor(options.leaseMs / 3)));
    if (running.size === 0) return;
    const now = clock.now();
    void track(store.renewLeases(owner, now + options.leaseMs, now))
      .then((held) => {
        const stillHeld = new Set(held);
        for (const [id, handle] of running) {
          if (stillHeld.has(id) || settling.has(id)) continue;
          // Another host recovered this task after our lease ran out (we were stalled): it is
          // no longer ours to run, so stop it rather than let two copies of an agent work.
          emit({
            kind: 'lease_lost',
            taskId: id,
            message: `the lease on task ${id} expired and another host took it over; stopping it here`,
          });
          handle.terminate('shutdown', 'lease lost to another host');
        }
      })
      .catch((error: unknown) => {
        emit({ kind: 'error', message: `could not renew task leases: ${describe(error)}`, error });
      });
  }

  async function pump(): Promise<void> {
    if (stopping) return;
    if (checkCancels) {
      checkCancels = false;
      const requests = await store.cancelRequests(owner);
      for (const task of requests) running.get(task.id)?.terminate('cancelled', task.statusDetail ?? undefined);
    }
    while (!stopping && running.size < options.concurrency && (options.canStart?.() ?? true)) {
      const now = clock.now();
      const budget = options.claimBudget?.(now);
      const task = await store.claimNext({
        owner,
        maxRunning: options.concurrency,
        now,
        leaseExpiresAt: now + options.leaseMs,
        ...(budget === undefined ? {} : { budget }),
      });
      if (task === undefined) {
        // Asked as of the claim's `now`, not a later one: a retry that fell due while the claim
        // ran (or that the wake timer fired a millisecond early for) is still found, and woken
        // for at once, instead of waiting in the queue for an unrelated poke.
        const next = await store.nextNotBefore(now);
        if (next !== undefined) scheduleWake(next);
        return;
      }
      if (stopping) {
        // stop() began while the claim was in flight: hand the task back rather than start it.
        await release(task);
        return;
      }
      launch(task);
    }
  }

  async function release(task: Task): Promise<void> {
    const now = clock.now();
    const released = await recordWithRetry(() =>
      store.requeue(task.id, owner, {
        notBefore: now,
        statusDetail: 'claimed as its host was stopping; handed back without being started',
        exitCode: null,
        signal: null,
        // The previous attempt's report (its session) stays for the run that follows.
        report: task.report,
        now,
      }),
    );
    if (released?.ok !== true) return;
    if (released.value.status === 'queued') emit({ kind: 'task_requeued', task: released.value, retryAt: now });
    else emit({ kind: 'task_finished', task: released.value });
  }

  function poke(external = false): void {
    if (external) checkCancels = true;
    if (!started || stopping) return;
    if (pumping) {
      pokedWhilePumping = true;
      return;
    }
    pumping = true;
    pokedWhilePumping = false;
    void track(pump())
      .catch((error: unknown) => {
        emit({ kind: 'error', message: `could not claim tasks: ${describe(error)}`, error });
        checkCancels = true;
        scheduleWake(clock.now() + ERROR_RETRY_MS);
      })
      .finally(() => {
        pumping = false;
        if (pokedWhilePumping) poke();
      });
  }

  function launch(task: Task): void {
    const handle = runner.start(task, {
      onEvent(event) {
        if (event.kind === 'started') {
          void track(store.recordProcess(task.id, owner, event.process, event.at)).catch((error: unknown) => {
            emit({ kind: 'error', message: `could not record the process of task ${task.id}: ${describe(error)}`, error });
          });
        } else if (event.kind === 'session') {
          void track(store.recordSession(task.id, owner, event.sessionId, event.at)).catch((error: unknown) => {
            emit({ kind: 'error', message: `could not record the session of task ${task.id}: ${describe(error)}`, error });
          });
        } else if (event.kind === 'timeout_warning') {
          emit({ kind: 'task_warning', taskId: task.id, deadline: event.deadline });
          void track(store.recordWarning(task.id, owner, event.at)).catch((error: unknown) => {
            emit({ kind: 'error', message: `could not record the warning of task ${task.id}: ${describe(error)}`, error });
          });
        }
      },
    });
    running.set(task.id, handle);
    emit({ kind: 'task_started', task });
    void track(handle.done.then((result) => settle(task, result))).finally(() => {
      running.delete(task.id);
      poke();
    });
  }

  async function settle(task: Task, result: RunResult): Promise<void> {
    const now = clock.now();
    // attempt counts starts, so attempt <= maxRetries means a retry is still allowed. A host
    // that is stopping still records the retry: the next host picks it up.
    if (result.failure !== null && result.transient && task.attempt <= task.maxRetries) {
      const retryAt = now + retryDelay(task.attempt, options.retryBackoff, options.random);
      const request = {
        notBefore: retryAt,
        statusDetail: `attempt ${task.attempt} failed (${result.failure?.detail ?? 'transient error'}); retry ${task.attempt} of ${task.maxRetries} at ${new Date(retryAt).toISOString()}`,
        exitCode: result.exitCode,
        signal: result.signal,
        report: result.report,
        now,
      };
      const requeued = await recordEnd(task, { kind: 'requeue', request }, () => store.requeue(task.id, owner, request));
      if (requeued === undefined) return;
      if (!requeued.ok) emit({ kind: 'lease_lost', taskId: task.id, message: requeued.error.message });
      else if (requeued.value.status === 'queued') {
        emit({ kind: 'task_requeued', task: requeued.value, retryAt });
        scheduleWake(retryAt);
      } else emit({ kind: 'task_finished', task: requeued.value });
      return;
    }
    const outcome = outcomeOf(result, now);
    const finished = await recordEnd(task, { kind: 'finish', outcome }, () => store.finish(task.id, owner, outcome));
    if (finished === undefined) return;
    if (finished.ok) emit({ kind: 'task_finished', task: finished.value });
    else emit({ kind: 'lease_lost', taskId: task.id, message: finished.error.message });
  }

  // The journal keeps the end until the store has it (or someone else recorded the task).
  async function recordEnd<T>(task: Task, record: PendingRecord, write: () => Promise<T>): Promise<T | undefined> {
    options.journal?.keep(task.id, task.attempt, record);
    const recorded = await recordWithRetry(write);
    if (recorded !== undefined) options.journal?.forget(task.id, task.attempt);
    return recorded;
  }

  // The run is over but recording it failed (disk full, database locked): keep trying, because
  // the lease would otherwise expire and recovery would call a finished task crashed. Undefined
  // only when a stopping host gives up (the journal still has the end).
  async function recordWithRetry<T>(write: () => Promise<T>): Promise<T | undefined> {
    let triesWhileStopping = 0;
    for (let tries = 1; ; tries += 1) {
      try {
        return await write();
      } catch (error) {
        if (stopping) triesWhileStopping += 1;
        const givingUp = triesWhileStopping >= RECORD_TRIES_WHILE_STOPPING;
        emit({
          kind: 'error',
          message: `could not record a task's end (try ${tries}${givingUp ? ', giving up as the host stops: the next host records it' : ''}): ${describe(error)}`,
          error,
        });
        if (givingUp) return undefined;
        const delay = Math.min(ERROR_RETRY_MS * 2 ** Math.min(tries - 1, 10), MAX_RECORD_RETRY_MS);
        await new Promise<void>((resolve) => clock.setTimer(resolve, delay));
      }
    }
  }

  return {
    start() {
      if (started) return;
      started = true;
      heartbeat();
      poke();
    },
    poke,
    async stop() {
      stopping = true;
      wakeTimer?.handle.cancel();
      wakeTimer = undefined;
      for (const handle of running.values()) handle.terminate('shutdown', 'the host is shutting down');
      while (pending.size > 0) await Promise.allSettled([...pending]);
      heartbeatTimer?.cancel();
      heartbeatTimer = undefined;
    },
    get runningIds() {
      return [...running.keys()];
    },
    get idle() {
      return running.size === 0 && pending.size === 0;
    },
  };
}

/** Maps how a run ended to what is recorded on the task. */
export function outcomeOf(result: RunResult, finishedAt: number): TaskOutcome {
  const base = {
    exitCode: result.exitCode,
    signal: result.signal,
    report: result.report,
    outputTruncated: result.outputTruncated,
    finishedAt,
  };
  if (result.failure === null) return { ...base, status: 'completed', failureReason: null, statusDetail: null };
  if (result.failure.reason === 'cancelled') {
    return { ...base, status: 'cancelled', failureReason: 'cancelled', statusDetail: result.failure.detail };
  }
  return { ...base, status: 'failed', failureReason: result.failure.reason, statusDetail: result.failure.detail };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
