import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { ClaudineError, formatDuration, isObject, lazySchema, PRIORITIES } from '@claudine/core';
import * as z from 'zod';
import { notifySettings } from '../notify/notify-settings.js';
import { agentsSettings } from './agents-config.js';
import { defaultConfig } from './config-defaults.js';
import { mcpSettings } from './mcp-config.js';
import { budgetSettings, metricsSettings } from './metrics-config.js';
import { bytes, duration, isDurationSetting } from './setting-values.js';
import { worktreeSettings } from './worktree-config.js';

// Each section's schema, made when first used: a command whose configuration sets only a few
// sections (or none) builds only those (see resolveConfig).
const SECTIONS = {
  concurrency: () =>
    z
      .union([z.literal('auto'), z.number().int().min(1).max(256)])
      .default('auto')
      .describe('Most tasks running at once; `auto` derives it from cores and memory.'),
  defaults: () =>
    z
      .object({
        agent: z.enum(['claude', 'codex', 'command']).default('claude').describe('Agent of tasks that name none.'),
        priority: z.enum(PRIORITIES).default('P1').describe('Priority of tasks that name none.'),
      })
      .strict()
      .prefault({}),
  timeout: () =>
    z
      .object({
        default: duration('30m').describe('Timeout of tasks that name none.'),
        max: duration('2h').describe('Longest timeout a task may ask for.'),
        warnAt: z.number().gt(0).lt(1).default(0.9).describe('Fraction of the timeout at which a warning is given.'),
        killGrace: duration('5s').describe('Time between SIGTERM and SIGKILL.'),
      })
      .strict()
      .superRefine(checkTimeouts)
      .prefault({}),
  retry: () =>
    z
      .object({
        maxRetries: z.number().int().min(0).max(100).default(2).describe('Retries of transient agent failures (rate limit, overload).'),
        baseDelay: duration('15s').describe('Delay before the first retry; doubles each time.'),
        maxDelay: duration('10m').describe('Longest delay between retries.'),
        onCrash: z
          .boolean()
          .default(true)
          .describe('Requeue a task whose host crashed while it ran, if it has retries left (else it fails as crashed).'),
      })
      .strict()
      .prefault({}),
  host: () =>
    z
      .object({
        idleExit: duration('5m').describe('A host started on demand exits after this long with nothing to do.'),
        lease: duration('30s').describe('How long a claim on a running task lasts without a heartbeat.'),
      })
      .strict()
      .prefault({}),
  output: () =>
    z
      .object({
        bufferBytes: bytes('1MiB').describe('Output held in memory per task before the pipe is paused.'),
        segmentBytes: bytes('100MiB')
          .refine((value) => value >= 1024, 'a segment must be at least 1KiB')
          .describe("Size at which a task's log rolls into a new segment."),
        compressionAge: duration('1h').describe('Closed log segments are compressed (zstd) once this old; 0 compresses them at once.'),
        retention: duration('7d').describe("A finished task's log is deleted this long after it finished."),
        maxBytesPerTask: bytes('10GiB')
          .refine((value) => value >= 1024, 'the cap must be at least 1KiB')
          .describe("Cap on a task's stored output; beyond it output is dropped, counted, and the task flagged outputTruncated."),
      })
      .strict()
      .prefault({}),
  agents: () => agentsSettings,
  database: () =>
    z
      .object({
        busyTimeout: duration('5s').describe('How long a write waits for another process before failing.'),
        pruneAfter: duration('30d').describe('The host deletes finished tasks (and their output) this long after they end; 0 keeps them.'),
      })
      .strict()
      .prefault({}),
  metrics: () => metricsSettings,
  budget: () => budgetSettings,
  mcp: () => mcpSettings,
  notify: () => notifySettings,
  worktree: () => worktreeSettings,
};

type ConfigShape = { [Key in keyof typeof SECTIONS]: ReturnType<(typeof SECTIONS)[Key]> };
const builtSections = new Map<string, z.ZodType>();

function sectionSchema<Key extends keyof ConfigShape>(key: Key): ConfigShape[Key] {
  let schema = builtSections.get(key);
  if (schema === undefined) {
    schema = SECTIONS[key]();
    builtSections.set(key, schema);
  }
  return schema as ConfigShape[Key];
}

function isSection(key: string): key is keyof ConfigShape {
  return Object.hasOwn(SECTIONS, key);
}

/**
 * Claudine's settings. Every field has a default, so an empty file (or none) is a valid
 * configuration. Durations accept milliseconds or text (`30s`, `5m`, `2h`); sizes accept bytes
 * or text (`1MiB`). Built on first use: most commands never validate a setting (see
 * {@link resolveConfig}).
 */
export const ConfigSchema = lazySchema(() =>
  z.object(Object.fromEntries(Object.keys(SECTIONS).map((key) => [key, sectionSchema(key as keyof ConfigShape)])) as ConfigShape).strict(),
);

// The timeouts depend on each other: checked together whichever of them changed, wherever.
function checkTimeouts(timeout: { default: number; max: number }, context: z.RefinementCtx): void {
  if (timeout.default <= 0) {
    context.addIssue({
      code: 'custom',
      path: ['default'],
      message: 'must be longer than 0 (a timeout of 0 would stop every task at once): use e.g. 30m',
    });
  } else if (timeout.max < timeout.default) {
    context.addIssue({
      code: 'custom',
      params: { settings: ['timeout.default', 'timeout.max'] },
      message: `timeout.max (${formatDuration(timeout.max)}) is shorter than timeout.default (${formatDuration(timeout.default)}), so every task that names no timeout would be refused: raise timeout.max, or lower timeout.default`,
    });
  }
}

/** Settings as written in a file or the environment (durations and sizes may be text). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** Resolved settings: every field present, durations in ms, sizes in bytes. */
export type Config = z.output<typeof ConfigSchema>;

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

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? deepMerge(existing, value) : value === undefined ? existing : value;
  }
  return out;
}
