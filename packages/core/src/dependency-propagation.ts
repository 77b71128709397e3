import type { DependentsView } from './dependency-cycle.js';
import type { DependencyPolicy, FailureReason, TaskStatus } from './task.js';

/**
 * What one dependency's state means for a dependent with a given policy: it still has to `wait`,
 * it is `settled` (completed, or ended badly under the `run` policy), or it makes the dependent
 * `fail` or `cancel`.
 */
export type DependencyBearing = 'wait' | 'settled' | 'fail' | 'cancel';

/** How a dependency in `status` bears on a dependent whose policy is `policy`. */
export function dependencyBearing(policy: DependencyPolicy, status: TaskStatus): DependencyBearing {
  if (status === 'completed') return 'settled';
  if (status === 'queued' || status === 'running') return 'wait';
  if (policy === 'run') return 'settled';
  return policy === 'fail' ? 'fail' : 'cancel';
}

/** A dependency as a dependent sees it. */
export interface DependencyState {
  readonly id: string;
  readonly status: TaskStatus;
}

/** What a set of dependencies means for a queued dependent. */
export interface DependencyAssessment {
  /** How many of them the dependent still waits for (the store's `pending_dependencies`). */
  readonly pending: number;
  /** The first one that ended badly and, under the dependent's policy, ends it too. */
  readonly broken: DependencyState | undefined;
  /** The ones it still waits for. */
  readonly waitingFor: readonly string[];
}

/**
 * Sums up `dependencies` for a dependent with `policy`. A task is ready when `pending` is 0 and
 * nothing is `broken`; a `broken` dependency means the task fails or is cancelled at once.
 */
export function assessDependencies(policy: DependencyPolicy, dependencies: readonly DependencyState[]): DependencyAssessment {
  const waitingFor: string[] = [];
  let broken: DependencyState | undefined;
  for (const dependency of dependencies) {
    const bearing = dependencyBearing(policy, dependency.status);
    if (bearing === 'wait') waitingFor.push(dependency.id);
    else if (bearing !== 'settled') broken ??= dependency;
  }
  return { pending: waitingFor.length, broken, waitingFor };
}

/** The state of a task as the planners below need it. */
export interface PlannedTaskState {
  readonly status: TaskStatus;
  readonly policy: DependencyPolicy;
  readonly failureReason: FailureReason | null;
}

/**
 * Read access to the graph and task states for the planners. Each store provides one over its
 * own tables (the SQLite store inside the transaction of the change), so every store follows
 * one set of rules.
 */
export interface DependencyPlanningView extends DependentsView {
  dependenciesOf(id: string): readonly string[];
  stateOf(id: string): PlannedTaskState | undefined;
}

/** A change to a dependent caused by a dependency ending badly. */
export type DependencyEndEffect =
  /** The dependent ends (`failed` with reason `dependency_failed`, or `cancelled`) with `detail`. */
  | {
      readonly kind: 'fail' | 'cancel';
      readonly taskId: string;
      /** The direct dependency that ended it. */
      readonly dependency: string;
      /** The task whose own end started the chain. */
      readonly root: string;
      readonly detail: string;
    }
  /** The dependent (policy `run`) no longer waits for `dependency`. */
  | { readonly kind: 'settle'; readonly taskId: string; readonly dependency: string };

/**
 * What happens to the dependents of `ended` (a task that just failed or was cancelled), each by
 * its own policy: `fail` fails it with `dependency_failed`, `cancel` cancels it (both carry on to
 * its own dependents, transitively), `run` lets it run once its other dependencies are settled.
 * Only queued dependents are affected. Time is proportional to the edges of the affected part of
 * the graph; each dependent ends once, however many of its dependencies fail.
 */
export function planDependencyEnd(
  view: DependencyPlanningView,
  ended: { readonly taskId: string; readonly status: 'failed' | 'cancelled' },
): DependencyEndEffect[] {
  const effects: DependencyEndEffect[] = [];
  const endedNow = new Map<string, 'failed' | 'cancelled'>([[ended.taskId, ended.status]]);
  const frontier = [ended.taskId];
  for (let head = 0; head < frontier.length; head += 1) {
    const dependency = frontier[head] as string;
    const dependencyStatus = endedNow.get(dependency) ?? 'failed';
    for (const dependent of view.dependentsOf(dependency)) {
      if (endedNow.has(dependent)) continue;
      const state = view.stateOf(dependent);
      if (state === undefined || state.status !== 'queued') continue;
      const bearing = dependencyBearing(state.policy, dependencyStatus);
      if (bearing === 'settled') {
        effects.push({ kind: 'settle', taskId: dependent, dependency });
        continue;
      }
      const detail = dependencyEndDetail(dependency, dependencyStatus, ended.taskId, ended.status);
      const status = bearing === 'fail' ? 'failed' : 'cancelled';
      effects.push({ kind: bearing === 'fail' ? 'fail' : 'cancel', taskId: dependent, dependency, root: ended.taskId, detail });
      endedNow.set(dependent, status);
      frontier.push(dependent);
    }
  }
  return effects;
}

/**
 * The explanation recorded on a task ended by a dependency: it names the direct dependency and,
 * when that one was itself ended by the chain, the task whose failure started it.
 */
export function dependencyEndDetail(
  dependency: string,
  dependencyStatus: 'failed' | 'cancelled',
  root: string,
  rootStatus: 'failed' | 'cancelled',
): string {
  const verb = (status: 'failed' | 'cancelled'): string => (status === 'failed' ? 'failed' : 'was cancelled');
  if (dependency === root) return `dependency ${dependency} ${verb(dependencyStatus)}`;
  return `dependency ${dependency} ${verb(dependencyStatus)} because task ${root} ${verb(rootStatus)}`;
}

/** What a retry changes besides the retried task. */
export interface RetryPlan {
  /**
   * Tasks put back in the queue, the retried one first: it and, transitively, every dependent that
   * ended only because of a dependency (reason `dependency_failed`) and has no other dependency
   * that still ends it.
   */
  readonly requeue: readonly string[];
  /**
   * Queued dependents (policy `run`) of a re-queued task that had counted it as settled and must
   * wait for it again; one entry per edge, so a task may appear more than once.
   */
  readonly unsettle: readonly string[];
}

/**
 * Plans the retry of `taskId` (failed or cancelled): it goes back in the queue, and so do the
 * dependents that failed or were cancelled only because of it. A dependent that also waits on
 * another task that failed on its own stays as it is. The caller checks beforehand that `taskId`
 * itself has no dependency that would end it again.
 */
export function planDependencyRetry(view: DependencyPlanningView, taskId: string): RetryPlan {
  const requeued = new Set<string>([taskId]);
  const requeue = [taskId];
  const unsettle: string[] = [];
  for (let head = 0; head < requeue.length; head += 1) {
    const dependency = requeue[head] as string;
    for (const dependent of view.dependentsOf(dependency)) {
      if (requeued.has(dependent)) continue;
      const state = view.stateOf(dependent);
      if (state === undefined) continue;
      if (state.status === 'queued') {
        if (state.policy === 'run') unsettle.push(dependent);
        continue;
      }
      if ((state.status !== 'failed' && state.status !== 'cancelled') || state.failureReason !== 'dependency_failed') continue;
      const stillBroken = view.dependenciesOf(dependent).some((other) => {
        if (requeued.has(other)) return false;
        const otherState = view.stateOf(other);
        if (otherState === undefined) return false;
        const bearing = dependencyBearing(state.policy, otherState.status);
        return bearing === 'fail' || bearing === 'cancel';
      });
      if (stillBroken) continue;
      requeued.add(dependent);
      requeue.push(dependent);
    }
  }
  return { requeue, unsettle };
}
