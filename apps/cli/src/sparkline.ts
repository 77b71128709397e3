const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** Points in time with a value, or null where nothing was measured. */
export interface TimedValue {
  readonly at: number;
  readonly value: number | null;
}

/**
 * Puts `points` into `width` equal buckets from `since` to `until` (the highest value of each
 * bucket) and draws them as a sparkline: `▁` is 0, `█` is the highest value of the whole line;
 * a bucket with no value is a space.
 */
export function sparkline(
  points: readonly TimedValue[],
  since: number,
  until: number,
  width: number,
): { line: string; max: number | null } {
  const buckets: Array<number | null> = Array.from({ length: width }, () => null);
  const span = Math.max(1, until - since);
  for (const point of points) {
    if (point.value === null || point.at < since || point.at > until) continue;
    const index = Math.min(width - 1, Math.floor(((point.at - since) / span) * width));
    buckets[index] = Math.max(buckets[index] ?? Number.NEGATIVE_INFINITY, point.value);
  }
  const values = buckets.filter((value): value is number => value !== null);
  if (values.length === 0) return { line: ' '.repeat(width), max: null };
  const max = Math.max(...values);
  const line = buckets
    .map((value) => {
      if (value === null) return ' ';
      if (max <= 0) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.round((value / max) * (BARS.length - 1)))];
    })
    .join('');
  return { line, max };
}
