import { lacksDurationUnit, parseDuration } from '@claudine/runtime';
import { CliError } from './context.js';
import { EXIT } from './exit-codes.js';

/** Commander collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Commander collector for a repeatable option that also takes comma-separated lists. */
export function collectList(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ];
}

/** A whole number of at least `minimum` given to `flag`; a usage error otherwise. */
export function wholeNumber(value: string, flag: string, minimum = 0): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(number) || number < minimum) {
    throw new CliError(`${flag} takes a whole number, ${minimum} or more (got "${value}")`, EXIT.usage);
  }
  return number;
}

/**
 * A duration given to `flag` (`90s`, `10m`, `1h30m`); a usage error, with `examples` as the
 * hint, for anything else. A number without a unit is refused (except 0): `-t 1` would be one
 * millisecond. With `positive`, 0 is refused too.
 */
export function durationOption(value: string, flag: string, examples: string, options: { positive?: boolean } = {}): number {
  if (lacksDurationUnit(value)) {
    throw new CliError(`${flag} "${value}" has no unit: use e.g. ${examples} (${value.trim()}ms if you mean milliseconds)`, EXIT.usage);
  }
  const ms = parseDuration(value);
  if (ms === undefined || (options.positive === true && ms <= 0)) {
    throw new CliError(
      `${flag} "${value}" is not a duration${options.positive === true ? ' above 0' : ''}: use e.g. ${examples}`,
      EXIT.usage,
    );
  }
  return ms;
}

/**
 * A point in time given to `flag`: a duration means that long before `now` (`2h`, `7d`),
 * anything else must be a date (`2025-01-31`, `2025-01-31T09:00`).
 */
export function pointInTime(value: string, now: number, flag: string): number {
  if (lacksDurationUnit(value)) {
    throw new CliError(`${flag} "${value}" has no unit: use e.g. 30m, 6h or 7d, or a date (2025-01-31T09:00)`, EXIT.usage);
  }
  const ago = parseDuration(value);
  if (ago !== undefined) return now - ago;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new CliError(`${flag} "${value}" is neither a duration (30m, 6h, 7d) nor a date (2025-01-31T09:00)`, EXIT.usage);
  }
  return parsed;
}
