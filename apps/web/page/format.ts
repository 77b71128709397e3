/** A duration for people: `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 4 min`, `3 d 2 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) {
    const seconds = Math.round((ms % 60_000) / 1000);
    return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

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

/** Bytes in binary units: `512 B`, `3.2 MiB`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
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
