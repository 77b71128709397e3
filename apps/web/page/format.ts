import { formatBytes as formatCoreBytes, formatDuration } from '@claudine/core';

// The page formats as the CLI and the MCP tools do: one implementation, core's.
export { formatDuration };

/** How long ago `time` was: `just now`, `5 min ago`, `3 h ago`, or a date for older times. */
export function formatAgo(time: number, now = Date.now()): string {
  const elapsed = now - time;
  if (elapsed < 45_000) return 'just now';
  if (elapsed < 3_600_000) return `${Math.round(elapsed / 60_000)} min ago`;
  if (elapsed < 86_400_000) return `${Math.round(elapsed / 3_600_000)} h ago`;
  if (elapsed < 7 * 86_400_000) return `${Math.round(elapsed / 86_400_000)} d ago`;
  return new Date(time).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A moment, in full, for tooltips and detail lists. */
export function formatTime(time: number | null): string {
  if (time === null) return '–';
  return new Date(time).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Bytes in binary units (`512 B`, `3.2 MiB`), `–` when unknown. */
export function formatBytes(bytes: number | null): string {
  return bytes === null || !Number.isFinite(bytes) ? '–' : formatCoreBytes(bytes);
}

/** Dollars: `$0.042`, `$12.30`. */
export function formatCost(usd: number | null): string {
  if (usd === null) return '–';
  if (usd === 0) return '$0';
  return usd < 1 ? `$${usd.toFixed(3)}` : `$${usd.toFixed(2)}`;
}

/** A count with thousands grouped. */
export function formatCount(value: number | null): string {
  return value === null ? '–' : value.toLocaleString('en-US');
}

/** A task's run time so far, or in the end. */
export function runTime(startedAt: number | null, finishedAt: number | null, now = Date.now()): number | null {
  if (startedAt === null) return null;
  return (finishedAt ?? now) - startedAt;
}
