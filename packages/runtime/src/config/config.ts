import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { ClaudineError, isObject } from '@claudine/core';
import type * as z from 'zod';
import { defaultConfig } from './config-defaults.js';
import { type Config, type ConfigInput, ConfigSchema, isSection, sectionSchema } from './config-schema.js';
import { environmentName, setPath, settingPaths, settingValueFromText } from './setting-paths.js';

// Loading the configuration: defaults, the file, the environment and flags, in that order. The
// schema is in config-schema.ts, settings by dotted path in setting-paths.ts; both are exported
// from here too, where the rest of runtime imports its configuration.
export { type Config, type ConfigInput, ConfigSchema } from './config-schema.js';
export { environmentName, objectShape, setPath, settingPaths, settingSchema, settingValueFromText } from './setting-paths.js';

/** Where each layer of the configuration came from. */
export interface ConfigSources {
  readonly file: string;
  readonly fileExists: boolean;
  readonly environment: readonly string[];
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The config file (see `configFilePath`). A missing file is fine. */
  readonly file: string;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Highest-precedence settings (command-line flags). */
  readonly overrides?: ConfigInput;
}

/**
 * Loads settings: defaults < config file < `CLAUDINE_*` environment < overrides. Throws
 * `config_invalid` naming the file or variable and the bad field when anything is wrong.
 */
export function loadConfig(options: LoadConfigOptions): { config: Config; sources: ConfigSources } {
  const { value: fileValue, exists } = readConfigFile(options.file);
  return resolveConfig({ ...options, fileValue, fileExists: exists });
}

/** The layers {@link resolveConfig} merges: what the file holds, and the rest of {@link LoadConfigOptions}. */
export interface ConfigLayers extends LoadConfigOptions {
  readonly fileValue: Record<string, unknown>;
  readonly fileExists: boolean;
}

/**
 * Merges and validates the layers of the configuration as {@link loadConfig} does, with the
 * file's content given (so a change can be checked before it is written). Throws
 * `config_invalid` naming, for each bad field, where its value came from: the file, the
 * variable, or a flag.
 */
export function resolveConfig(layers: ConfigLayers): { config: Config; sources: ConfigSources } {
  const environment = layers.environment ?? process.env;
  const overrides = (layers.overrides ?? {}) as Record<string, unknown>;
  // Nothing set anywhere (no file or an empty one, no flag, no variable): the defaults, without
  // building the schemas, which would cost more than the rest of a command like `ls`.
  if (isEmptyLayer(layers.fileValue) && isEmptyLayer(overrides) && !setsAnySetting(environment)) {
    return { config: defaultConfig(), sources: { file: layers.file, fileExists: layers.fileExists, environment: [] } };
  }
  const { value: environmentValue, names } = configFromEnvironment(environment);
  const merged = deepMerge(deepMerge(layers.fileValue, environmentValue), overrides);
  const sections = parseSections(merged);
  if (sections !== undefined) {
    return { config: sections, sources: { file: layers.file, fileExists: layers.fileExists, environment: names } };
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const origins = new Set<string>();
    const issues = parsed.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const origin = issueOrigins(issue, { ...layers, environment, overrides });
      for (const item of origin) origins.add(item);
      return `${path || '(top level)'}: ${issue.message}${origin.length === 0 ? '' : ` (set in ${origin.join(', ')})`}`;
    });
    throw new ClaudineError(
      'config_invalid',
      `The configuration is invalid (from ${[...origins].join(', ') || 'the defaults'}):\n  ${issues.join('\n  ')}\nFix the setting, or remove it to use the default (\`claudine config show\` prints every setting).`,
      { details: { issues, file: layers.file } },
    );
  }
  return { config: parsed.data, sources: { file: layers.file, fileExists: layers.fileExists, environment: names } };
}

// The sections that are set, each parsed by its own schema, and the defaults for the rest: what
// the whole schema gives (its sections do not depend on each other), without building the
// sections nothing sets. Undefined when a key is no section or a section is invalid: the whole
// schema then finds every issue and words it.
function parseSections(merged: Record<string, unknown>): Config | undefined {
  const config: Record<string, unknown> = { ...defaultConfig() };
  for (const [key, value] of Object.entries(merged)) {
    if (!isSection(key)) return undefined;
    if (value === undefined) continue;
    const parsed = sectionSchema(key).safeParse(value);
    if (!parsed.success) return undefined;
    config[key] = parsed.data;
  }
  return config as Config;
}

function isEmptyLayer(layer: Record<string, unknown>): boolean {
  return Object.values(layer).every((value) => value === undefined);
}

// The variables of the settings all start with a section's name (CLAUDINE_TIMEOUT_...) or are
// one (CLAUDINE_CONCURRENCY): a variable that does not is none. One that does may still be
// none (CLAUDINE_HOST_ONLY); then the schemas decide.
let sectionVariables: readonly string[] | undefined;
function setsAnySetting(environment: Readonly<Record<string, string | undefined>>): boolean {
  sectionVariables ??= Object.keys(defaultConfig()).map(environmentName);
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined || value === '' || !name.startsWith('CLAUDINE_')) continue;
    if (sectionVariables.some((section) => name === section || name.startsWith(`${section}_`))) return true;
  }
  return false;
}

// Where the values a validation issue is about came from, highest precedence first per setting:
// a flag, a CLAUDINE_* variable, or the file. A key the schema does not know can only be in the file.
function issueOrigins(
  issue: z.core.$ZodIssue,
  layers: ConfigLayers & { environment: Readonly<Record<string, string | undefined>>; overrides: Record<string, unknown> },
): string[] {
  if (issue.code === 'unrecognized_keys') return [layers.file];
  const path = issue.path.join('.');
  // An issue about settings that depend on each other names them.
  const named = issue.code === 'custom' ? (issue.params as { settings?: string[] } | undefined)?.settings : undefined;
  const settings = (named ?? settingPaths()).filter(
    (setting) => path === '' || setting === path || setting.startsWith(`${path}.`) || path.startsWith(`${setting}.`),
  );
  const origins = new Set<string>();
  for (const setting of settings) {
    const variable = environmentName(setting);
    if (getPath(layers.overrides, setting) !== undefined) origins.add('the command line');
    else if (layers.environment[variable] !== undefined && layers.environment[variable] !== '') origins.add(variable);
    else if (getPath(layers.fileValue, setting) !== undefined) origins.add(layers.file);
  }
  return [...origins];
}

function getPath(value: unknown, path: string): unknown {
  let node = value;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Reads the config file as an object; a missing file is an empty object. */
export function readConfigFile(file: string): { value: Record<string, unknown>; exists: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { value: {}, exists: false };
    throw new ClaudineError(
      'config_invalid',
      `Could not read the config file ${file}: ${(error as Error).message}. Check its permissions.`,
      {
        cause: error,
      },
    );
  }
  if (text.trim() === '') return { value: {}, exists: true };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ClaudineError(
      'config_invalid',
      `The config file ${file} is not valid JSON (${(error as Error).message}). Fix it, or move it aside to use the defaults.`,
      { cause: error, details: { file } },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ClaudineError('config_invalid', `The config file ${file} must hold a JSON object, like {"concurrency": 4}.`, {
      details: { file },
    });
  }
  return { value: value as Record<string, unknown>, exists: true };
}

/** Most tasks to run at once: the configured number, or one per core limited by memory. */
export function resolveConcurrency(config: Config): number {
  if (config.concurrency !== 'auto') return config.concurrency;
  // Agents are mostly waiting on the network, but each takes a few hundred MiB; allow one per
  // core, at most one per 2 GiB of memory, and at most 8 unless configured.
  const byMemory = Math.max(1, Math.floor(totalmem() / (2 * 1024 ** 3)));
  return Math.max(1, Math.min(availableParallelism(), byMemory, 8));
}

function configFromEnvironment(environment: Readonly<Record<string, string | undefined>>): {
  value: Record<string, unknown>;
  names: string[];
} {
  const value: Record<string, unknown> = {};
  const names: string[] = [];
  // Walking the settings builds every section's schema: not when no variable can be one.
  if (!setsAnySetting(environment)) return { value, names };
  for (const path of settingPaths()) {
    const name = environmentName(path);
    const raw = environment[name];
    if (raw === undefined || raw === '') continue;
    names.push(name);
    setPath(value, path, settingValueFromText(path, raw));
  }
  return { value, names };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? deepMerge(existing, value) : value === undefined ? existing : value;
  }
  return out;
}
