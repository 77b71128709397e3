import { type Claudine, readDailySpending } from '@claudine/runtime';
import type { SystemResponse } from './api-types.js';

const HISTORY_MS = 24 * 3_600_000;
const HISTORY_POINTS = 1440;
const SPENDING_DAYS = 14;
// The machine's CPU is measured over this window for the figure "now".
const CPU_WINDOW_MS = 200;

/** `GET /api/system`: counts, throughput, the machine over the last day, and spending per day. */
export async function systemReport(claudine: Claudine): Promise<SystemResponse> {
  const now = Date.now();
  const [report, history, spending, host] = await Promise.all([
    claudine.metrics.system({ windowMs: CPU_WINDOW_MS }),
    claudine.metrics.history({ since: now - HISTORY_MS, until: now, limit: HISTORY_POINTS }),
    readDailySpending(claudine, SPENDING_DAYS, now),
    claudine.hostStatus(),
  ]);
  return {
    snapshot: report.snapshot,
    history,
    spending,
    budget: {
      dailyUsd: report.budget.dailyUsd,
      perTaskUsd: report.budget.perTaskUsd,
      spentTodayUsd: report.budget.spentTodayUsd,
      exhausted: report.budget.exhausted,
    },
    host: {
      running: host.running,
      pid: host.running ? (host.host?.pid ?? null) : null,
      hostname: host.running ? (host.host?.hostname ?? null) : null,
    },
  };
}
