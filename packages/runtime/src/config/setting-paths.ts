import * as z from 'zod';
import { ConfigSchema } from './config-schema.js';
import { isDurationSetting } from './setting-values.js';

// Settings by their dotted paths (`timeout.killGrace`): for `config set`, the `CLAUDINE_*`
// variables and the settings table of `config show`.

/** Every setting's dotted path, for `config set` and the environment mapping. */
export function settingPaths(): string[] {
  const paths: string[] = [];
  const walk = (schema: z.ZodType, prefix: string): void => {
    const shape = objectShape(schema);
    if (shape === undefined) {
      paths.push(prefix);
      return;
    }
    for (const [key, child] of Object.entries(shape)) walk(child, prefix === '' ? key : `${prefix}.${key}`);
  };
  walk(ConfigSchema, '');
  return paths;
}

/** The environment variable of a setting: `timeout.killGrace` -> `CLAUDINE_TIMEOUT_KILL_GRACE`. */
export function environmentName(path: string): string {
  return `CLAUDINE_${path
    .split('.')
    .map((part) => part.replaceAll(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_')}`;
}

/**
 * Reads text typed for a setting (a `CLAUDINE_*` variable, `config set`): a number, `true`,
 * `false`, or else the text itself. A duration setting keeps its text, so that a number without
 * a unit is refused rather than read as milliseconds.
 */
export function settingValueFromText(path: string, text: string): string | number | boolean {
  const schema = settingSchema(path);
  if (schema !== undefined && isDurationSetting(schema)) return text;
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  return text;
}

/** The schema of one setting (its dotted path), or undefined for a path that is not one. */
export function settingSchema(path: string): z.ZodType | undefined {
  let current: z.ZodType | undefined = ConfigSchema;
  for (const part of path.split('.')) {
    const shape: Record<string, z.ZodType> | undefined = current === undefined ? undefined : objectShape(current);
    current = shape?.[part];
  }
  return current;
}

/** Sets `value` at a dotted `path` inside `target`, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** The fields of an object schema, looking through defaults and optionals; undefined for a leaf. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let current: z.ZodType = schema;
  for (let depth = 0; depth < 10; depth += 1) {
    if (current instanceof z.ZodObject) return current.shape as Record<string, z.ZodType>;
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
      continue;
    }
    return undefined;
  }
  return undefined;
}
