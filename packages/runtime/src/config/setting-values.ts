import { z } from 'zod';
import { lacksDurationUnit, parseBytes, parseDuration } from '../units.js';

// Marks the duration settings, so that text typed for one (a variable, `config set`) is kept as
// text and checked for its unit instead of being read as a number of milliseconds. A schema
// derived from a marked one (`.describe(...)`) is found too.
const durations = z.registry<{ readonly unit: 'duration' }>();

/**
 * A duration setting: text such as `30s` (a number without a unit is refused, except 0), or a
 * JSON number of milliseconds in the config file; with a default.
 */
export const duration = (fallback: string) => {
  const schema = z
    .union([z.number(), z.string()])
    .default(fallback)
    .transform((value, context) => {
      if (typeof value === 'string' && lacksDurationUnit(value)) {
        context.addIssue({
          code: 'custom',
          message: `"${value}" has no unit: write e.g. ${value}s, ${value}m or ${value}h (${value}ms if you mean milliseconds)`,
        });
        return z.NEVER;
      }
      const parsed = parseDuration(value);
      if (parsed === undefined) {
        context.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 500ms, 30s, 5m, 2h, 7d)` });
        return z.NEVER;
      }
      return parsed;
    });
  durations.add(schema, { unit: 'duration' });
  return schema;
};

/** True when `schema` is a setting made by {@link duration}. */
export function isDurationSetting(schema: z.ZodType): boolean {
  return durations.get(schema) !== undefined;
}

/** A size setting: bytes or text such as `1MiB`, with a default. */
export const bytes = (fallback: string) =>
  z
    .union([z.number(), z.string()])
    .default(fallback)
    .transform((value, context) => {
      const parsed = parseBytes(value);
      if (parsed === undefined) {
        context.addIssue({ code: 'custom', message: `"${value}" is not a size (use e.g. 512KiB, 100MiB, 10GiB)` });
        return z.NEVER;
      }
      return parsed;
    });

/** How a secret setting is shown: text hidden whole, or a URL shown down to its host. */
export type SecretKind = 'text' | 'url';

// Marks the settings whose values are secrets (a webhook's signing key, a URL that carries a
// token), so that whatever prints settings shows them masked.
const secrets = z.registry<{ readonly secret: SecretKind }>();

/** Marks `schema` as a secret setting (see {@link maskSecret}); returns it. */
export function secret<Schema extends z.ZodType>(schema: Schema, kind: SecretKind = 'text'): Schema {
  secrets.add(schema, { secret: kind });
  return schema;
}

/** The kind of secret `schema` holds, or undefined when it is not a secret setting. */
export function secretKind(schema: z.ZodType): SecretKind | undefined {
  return secrets.get(schema)?.secret;
}

/**
 * A secret value as it may be printed: `(hidden)` for text, the scheme and host for a URL
 * (`https://hooks.slack.com/(hidden)`), where the token usually sits in the path or query.
 * Null and undefined stay as they are: whether a secret is set is not a secret.
 */
export function maskSecret(value: unknown, kind: SecretKind): unknown {
  if (value === null || value === undefined) return value;
  if (kind === 'url' && typeof value === 'string' && URL.canParse(value)) {
    const url = new URL(value);
    return `${url.protocol}//${url.host}/(hidden)`;
  }
  return '(hidden)';
}

/**
 * A list setting: a JSON array in the config file, or text (a variable, `config set`) split at
 * `separator` (commas for tools and directories, spaces for command-line arguments); absent by
 * default.
 */
export const textList = (separator: RegExp | null, item: z.ZodString = z.string().min(1)) =>
  z
    .union([z.string(), z.array(item)])
    .transform((value) =>
      typeof value === 'string'
        ? (separator === null ? [value] : value.split(separator)).map((part) => part.trim()).filter((part) => part !== '')
        : value,
    )
    .optional();
