import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClaudineError, isClaudineError } from '@claudine/core';
import * as z from 'zod';
import {
  ConfigSchema,
  environmentName,
  loadConfig,
  readConfigFile,
  resolveConfig,
  setPath,
  settingPaths,
  settingSchema,
  settingValueFromText,
} from './config.js';
import { maskSecret, secretKind } from './setting-values.js';

/** Where a setting's value comes from, lowest precedence first. */
export const SETTING_SOURCES = ['default', 'file', 'environment'] as const;
/** Where a setting's value comes from; see {@link SETTING_SOURCES}. */
export type SettingSource = (typeof SETTING_SOURCES)[number];

/** One setting as `claudine config show` presents it. */
export interface SettingDescription {
  /** Dotted path, e.g. `timeout.default`. */
  readonly key: string;
  /** The value in force, resolved (durations in ms, sizes in bytes); null when unset. */
  readonly value: unknown;
  /** The value as written where it comes from (file, variable, or the default); null when unset. */
  readonly raw: unknown;
  readonly source: SettingSource;
  /** The environment variable that overrides it. */
  readonly variable: string;
  /** The default as written (`30m`), or null when the setting has none. */
  readonly defaultValue: unknown;
  readonly description: string;
}

/** Every setting with its value and where it comes from. */
export interface ConfigDescription {
  readonly file: string;
  readonly fileExists: boolean;
  readonly settings: readonly SettingDescription[];
}

/** Options of the config editing functions. */
export interface ConfigEditOptions {
  /** The config file (`<data dir>/config.json`). */
  readonly file: string;
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * Describes every setting: its value in force and whether it comes from the default, the file,
 * or a `CLAUDINE_*` variable. Throws `config_invalid` (naming the setting) when the file or the
 * environment holds a bad value.
 */
export function describeConfig(options: ConfigEditOptions): ConfigDescription {
  const environment = options.environment ?? process.env;
  const { config, sources } = loadConfig({ file: options.file, environment });
  const { value: fileValue } = readConfigFile(options.file);
  const settings = settingPaths().map((key): SettingDescription => {
    const variable = environmentName(key);
    const leaf = settingSchema(key);
    const defaultValue = leaf === undefined ? undefined : schemaDefault(leaf);
    const fromEnvironment = environment[variable];
    const fromFile = getPath(fileValue, key);
    let source: SettingSource = 'default';
    let raw: unknown = defaultValue;
    if (fromEnvironment !== undefined && fromEnvironment !== '') {
      source = 'environment';
      raw = fromEnvironment;
    } else if (fromFile !== undefined) {
      source = 'file';
      raw = fromFile;
    }
    return {
      key,
      value: shown(key, getPath(config, key) ?? null),
      raw: shown(key, raw ?? null),
      source,
      variable,
      defaultValue: defaultValue ?? null,
      description: leaf?.description ?? '',
    };
  });
  return { file: sources.file, fileExists: sources.fileExists, settings };
}

/** What {@link setSetting} wrote. */
export interface SetSettingOutcome {
  readonly key: string;
  /** The value as stored in the file. */
  readonly value: unknown;
  /** The value the file held before, if any. */
  readonly previous: unknown;
  /** The value in force once the file is read (resolved: durations in ms, sizes in bytes). */
  readonly resolved: unknown;
  /** Set when a `CLAUDINE_*` variable overrides the file for this setting. */
  readonly overriddenBy: string | null;
}

/**
 * Sets one setting in the config file. `value` is text as typed on a command line: numbers,
 * `true` and `false` are read as such, anything else is a string (a duration like `45m`, a size
 * like `1MiB`). The whole file is validated with the new value before anything is written, and
 * written atomically, private to the user (0600).
 *
 * Throws `invalid_input` for a key that is not a setting (suggesting the closest one), and
 * `config_invalid` naming the setting for a value the schema refuses.
 */
export function setSetting(options: ConfigEditOptions, key: string, value: string): SetSettingOutcome {
  checkKey(key);
  const { value: current } = readConfigFile(options.file);
  const next = structuredClone(current);
  const parsedValue = parseSettingText(value, key);
  setPath(next, key, parsedValue);
  const parsed = ConfigSchema.safeParse(next);
  if (!parsed.success) throw invalidFile(key, parsed.error, options.file);
  const environment = options.environment ?? process.env;
  // With the variables in force too: a value fine on its own may clash with one set there.
  try {
    resolveConfig({ file: options.file, environment, fileValue: next, fileExists: true });
  } catch (error) {
    if (!isClaudineError(error)) throw error;
    throw new ClaudineError('config_invalid', `Cannot set ${key}: ${error.message}\nNothing was written.`, {
      cause: error,
      details: { key },
    });
  }
  writeConfigFile(options.file, next);
  const variable = environmentName(key);
  const overridden = environment[variable] !== undefined && environment[variable] !== '';
  return {
    key,
    value: shown(key, parsedValue),
    previous: shown(key, getPath(current, key) ?? null),
    resolved: shown(key, getPath(parsed.data, key) ?? null),
    overriddenBy: overridden ? variable : null,
  };
}

/** What {@link unsetSetting} did. */
export interface UnsetSettingOutcome {
  readonly key: string;
  /** False when the file did not set it (nothing was written). */
  readonly removed: boolean;
  readonly previous: unknown;
}

/**
 * Removes one setting from the config file, so its default applies again. A key that is not a
 * setting may still be removed when the file holds it (that is how a stray key is cleaned up);
 * otherwise it throws `invalid_input`. Empty groups left behind are removed too.
 */
export function unsetSetting(options: ConfigEditOptions, key: string): UnsetSettingOutcome {
  const { value: current, exists } = readConfigFile(options.file);
  const previous = getPath(current, key);
  if (previous === undefined) {
    checkKey(key);
    return { key, removed: false, previous: null };
  }
  const next = structuredClone(current);
  deletePath(next, key);
  // The default that comes back may clash with a setting that depends on it (timeout.max below
  // timeout.default); a file that was invalid already may still be cleaned up.
  const environment = options.environment ?? process.env;
  const problem = (fileValue: Record<string, unknown>): Error | undefined => {
    try {
      resolveConfig({ file: options.file, environment, fileValue, fileExists: true });
      return undefined;
    } catch (error) {
      return error as Error;
    }
  };
  const after = problem(next);
  if (after !== undefined && problem(current) === undefined) {
    throw new ClaudineError('config_invalid', `Cannot unset ${key}: its default would not do. ${after.message}\nNothing was written.`, {
      cause: after,
      details: { key },
    });
  }
  if (exists) writeConfigFile(options.file, next);
  return { key, removed: true, previous: shown(key, previous) };
}

/**
 * Reads text typed for a setting the way `CLAUDINE_*` variables are read: a number, `true`,
 * `false`, or else the text itself. Text for a duration setting (given its `key`) stays text, so
 * that a number without a unit is refused rather than taken for milliseconds.
 */
export function parseSettingText(text: string, key?: string): string | number | boolean {
  return settingValueFromText(key ?? '', text);
}

/**
 * Writes the config file atomically: a private temporary file beside it, flushed, then renamed
 * over it, so a crash leaves the old file or the new one, never half of one.
 */
export function writeConfigFile(file: string, value: Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const descriptor = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(descriptor, `${JSON.stringify(value, null, 2)}\n`);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new ClaudineError(
      code === 'ENOSPC' ? 'storage_full' : 'storage_readonly',
      `Could not write the config file ${file}: ${(error as Error).message}. Check the permissions of its directory.`,
      { cause: error, details: { file } },
    );
  }
}

// A secret setting's value masked (see maskSecret), any other's as it is: these values are
// printed, and a terminal, a log or a screenshot is no place for a signing key.
function shown(key: string, value: unknown): unknown {
  const leaf = settingSchema(key);
  const kind = leaf === undefined ? undefined : secretKind(leaf);
  return kind === undefined ? value : maskSecret(value, kind);
}

function checkKey(key: string): void {
  const paths = settingPaths();
  if (paths.includes(key)) return;
  const inside = paths.filter((path) => path.startsWith(`${key}.`));
  if (inside.length > 0) {
    throw new ClaudineError('invalid_input', `"${key}" is a group of settings, not one: set one of ${inside.join(', ')}.`, {
      details: { key },
    });
  }
  const closest = closestSetting(key, paths);
  throw new ClaudineError(
    'invalid_input',
    `"${key}" is not a setting${closest === undefined ? '' : `; did you mean "${closest}"?`} \`claudine config show\` lists every setting.`,
    { details: { key } },
  );
}

function invalidFile(key: string, error: z.ZodError, file: string): ClaudineError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.') || '(top level)', message: issue.message }));
  const mine = issues.filter((issue) => issue.path === key || key.startsWith(`${issue.path}.`) || issue.path.startsWith(`${key}.`));
  if (mine.length > 0) {
    return new ClaudineError(
      'config_invalid',
      `Cannot set ${key}: ${mine.map((issue) => issue.message).join('; ')}. Nothing was written.`,
      { details: { key, issues } },
    );
  }
  return new ClaudineError(
    'config_invalid',
    `Cannot set ${key}: the config file ${file} has other invalid settings:\n  ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n  ')}\nFix them first (\`claudine config unset <key>\` removes one). Nothing was written.`,
    { details: { key, issues } },
  );
}

// The default as written in the schema (`30m`, not 1800000), looking through the transform a
// duration or size setting pipes its input into.
function schemaDefault(schema: z.ZodType): unknown {
  let current: z.ZodType = schema;
  for (let depth = 0; depth < 10; depth += 1) {
    if (current instanceof z.ZodDefault) return current.def.defaultValue;
    if (current instanceof z.ZodPipe) {
      current = current.def.in as z.ZodType;
      continue;
    }
    return undefined;
  }
  return undefined;
}

function getPath(value: unknown, key: string): unknown {
  let node = value;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function deletePath(target: Record<string, unknown>, key: string): void {
  const [head, ...rest] = key.split('.');
  if (head === undefined) return;
  if (rest.length === 0) {
    delete target[head];
    return;
  }
  const child = target[head];
  if (typeof child !== 'object' || child === null || Array.isArray(child)) return;
  deletePath(child as Record<string, unknown>, rest.join('.'));
  if (Object.keys(child).length === 0) delete target[head];
}

function closestSetting(key: string, paths: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { path: string; distance: number } | undefined;
  for (const path of paths) {
    const candidate = path.toLowerCase();
    // A key that names a setting's last part (`idleExit`) points straight at it.
    const distance = candidate.endsWith(`.${lower}`) ? 0 : editDistance(lower, candidate);
    if (best === undefined || distance < best.distance) best = { path, distance };
  }
  return best !== undefined && best.distance <= Math.max(3, Math.floor(key.length / 3)) ? best.path : undefined;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      current[column] = Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, (previous[column - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}
