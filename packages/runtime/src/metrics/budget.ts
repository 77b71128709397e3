import type { AgentKind, ClaimBudget } from '@claudine/core';
import type { Config } from '../config/config.js';

/** Agents whose spending the budgets limit: the ones that report a cost. */
export const BUDGETED_AGENTS: readonly AgentKind[] = ['claude'];

/** Where spending stands against the budgets. */
export interface BudgetStatus {
  /** The daily budget in USD, or null when none is set. */
  readonly dailyUsd: number | null;
  /** The default per-task budget in USD of claude tasks, or null. */
  readonly perTaskUsd: number | null;
  /** What agents reported spending since local midnight. */
  readonly spentTodayUsd: number;
  /** True when the daily budget is spent: new claude tasks wait. */
  readonly exhausted: boolean;
  /** When the day's spending starts again from zero (next local midnight). */
  readonly resetsAt: number;
}

/** Local midnight at the start of the day that contains `now`. */
export function startOfDay(now: number): number {
  const day = new Date(now);
  day.setHours(0, 0, 0, 0);
  return day.getTime();
}

/** The next local midnight after `now`. */
export function nextMidnight(now: number): number {
  const day = new Date(startOfDay(now));
  day.setDate(day.getDate() + 1);
  return day.getTime();
}

/** The daily budget as claims must respect it at `now`, if one is set. */
export function dailyClaimBudget(config: Config, now: number): ClaimBudget | undefined {
  if (config.budget.daily === undefined) return undefined;
  return { agents: BUDGETED_AGENTS, since: startOfDay(now), maxCostUsd: config.budget.daily };
}

/** The budget status, given what was spent today. */
export function budgetStatus(config: Config, spentTodayUsd: number, now: number): BudgetStatus {
  const daily = config.budget.daily ?? null;
  return {
    dailyUsd: daily,
    perTaskUsd: config.budget.perTask ?? null,
    spentTodayUsd,
    exhausted: daily !== null && spentTodayUsd >= daily,
    resetsAt: nextMidnight(now),
  };
}

/** Text shown on a claude task that waits because the daily budget is spent. */
export function budgetWaitDetail(status: BudgetStatus): string {
  return `${BUDGET_WAIT_PREFIX} $${status.spentTodayUsd.toFixed(2)} of $${(status.dailyUsd ?? 0).toFixed(2)} spent today; claude tasks start again at ${new Date(status.resetsAt).toLocaleString()}, or raise budget.daily and restart the host (\`claudine host stop\`)`;
}

/** How {@link budgetWaitDetail} begins, to find the tasks it was put on. */
export const BUDGET_WAIT_PREFIX = 'waiting for the daily budget:';
