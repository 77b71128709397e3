import { z } from 'zod';
import { parseBytes, parseDuration } from './units.js';

/** A duration setting: milliseconds or text such as `30s`, with a default. */
export const duration = (fallback: string) =>
  z
    .union([z.number(), z.string()])
    .default(fallback)
    .transform((value, context) => {
      const parsed = parseDuration(value);
      if (parsed === undefined) {
        context.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 500ms, 30s, 5m, 2h, 7d)` });
        return z.NEVER;
      }
      return parsed;
    });

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
