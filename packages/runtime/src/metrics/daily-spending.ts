import { SqliteMetricsStore } from '@claudine/store-sqlite';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';
import { startOfDay } from './budget.js';

/** What agents reported spending on one local day. */
export interface DailySpending {
  /** Local midnight that starts the day. */
  readonly day: number;
  readonly costUsd: number;
}

/**
 * Spending per local day over the last `days` days (today included, oldest first), counted over
 * attempts by the time they finished, as the daily budget counts them.
 */
export async function readDailySpending(
  source: { readonly layout: DataLayout; readonly config: Config },
  days: number,
  now = Date.now(),
): Promise<DailySpending[]> {
  const count = Math.max(1, Math.floor(days));
  // Local midnights, oldest first; stepping the date (not adding 24 h) keeps DST days right.
  const starts: number[] = [];
  const day = new Date(startOfDay(now));
  day.setDate(day.getDate() - (count - 1));
  for (let index = 0; index < count; index += 1) {
    starts.push(day.getTime());
    day.setDate(day.getDate() + 1);
  }
  const store = SqliteMetricsStore.open({ path: source.layout.database, busyTimeoutMs: source.config.database.busyTimeout });
  try {
    // Spent since each midnight; a day's spending is the difference to the next one's.
    const since = await Promise.all(starts.map((start) => store.costSince(start)));
    return starts.map((start, index) => ({
      day: start,
      costUsd: Math.max(0, (since[index] ?? 0) - (since[index + 1] ?? 0)),
    }));
  } finally {
    store.close();
  }
}
