const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/**
 * Parses a duration: a number of milliseconds, or text such as `500ms`, `30s`, `5m`, `2h`,
 * `7d`, `1h30m`. Undefined when the text is not a duration.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text.replaceAll(/\s+/g, '')) return undefined;
  return Math.round(parts.reduce((total, part) => total + Number(part[1]) * (DURATION_UNITS[part[2] ?? ''] ?? 0), 0));
}

/**
 * True when `text` is a number without a unit, other than 0. Typed durations (flags, variables,
 * `config set`) refuse it: `-t 1` would otherwise mean one millisecond, which nobody means.
 * 0 needs no unit: it is the same in all of them.
 */
export function lacksDurationUnit(text: string): boolean {
  const trimmed = text.trim();
  return /^\d+(\.\d+)?$/.test(trimmed) && Number(trimmed) !== 0;
}

/** Parses a size: a number of bytes, or text such as `512KiB`, `100MiB`, `10GiB`, `1GB`. */
export function parseBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(value.trim().toLowerCase());
  if (match === null) return undefined;
  const unit = BYTE_UNITS[match[2] === '' ? 'b' : (match[2] ?? '')];
  return unit === undefined ? undefined : Math.floor(Number(match[1]) * unit);
}
