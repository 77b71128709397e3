import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statfsSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { isClaudineError } from '@claudine/core';
import {
  type Config,
  ConfigSchema,
  checkGit,
  type DataLayout,
  dataLayout,
  formatBytes,
  hostEntryPath,
  loadConfig,
  openClaudine,
  resolveDataDirectory,
} from '@claudine/runtime';
import type { DOCTOR_STATUSES } from './json-shapes.js';

/** The outcome of one check: ok, a warning (works, but worth a look) or a failure. */
export type DoctorStatus = (typeof DOCTOR_STATUSES)[number];

/** One check of `claudine doctor`. */
export interface DoctorCheck {
  readonly id: string;
  readonly title: string;
  readonly status: DoctorStatus;
  readonly detail: string;
  /** What to do about it; null when all is well. */
  readonly fix: string | null;
}

/** Options for {@link runDoctorChecks}. */
export interface DoctorOptions {
  /** The data directory given with --home, if any. */
  readonly home?: string;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Time allowed for `<agent> --version`. */
  readonly versionTimeoutMs?: number;
  /** Time allowed for `claude auth status` (offline it answers at once). */
  readonly loginTimeoutMs?: number;
}

const MINIMUM_NODE = [20, 19, 0] as const;
const LOW_DISK_BYTES = 1024 ** 3;
const FULL_DISK_BYTES = 100 * 1024 ** 2;

/**
 * Checks what Claudine needs: Node, the agent executables (and whether Claude Code is logged
 * in), the data directory and its
 * permissions, free disk space, the configuration, the database and the host. Each check says
 * what it found and, when something is wrong, how to fix it. It creates nothing that is missing
 * (no data directory, no database).
 */
export async function runDoctorChecks(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const environment = options.environment ?? process.env;
  const layout = dataLayout(
    resolveDataDirectory(options.home === undefined ? environment : { ...environment, CLAUDINE_HOME: options.home }),
  );
  const checks: DoctorCheck[] = [nodeCheck()];
  const configured = configCheck(layout, environment);
  const config = configured.config ?? ConfigSchema.parse({});
  const timeoutMs = options.versionTimeoutMs ?? 10_000;
  const [claude, codex] = await Promise.all([
    agentCheck('claude', config.agents.claude.command, config, environment, timeoutMs),
    agentCheck('codex', config.agents.codex.command, config, environment, timeoutMs),
  ]);
  checks.push(claude);
  // Only an executable that answered --version is asked whether it is logged in.
  const claudePath = findExecutable(config.agents.claude.command, environment);
  if (claude.status === 'ok' && claudePath !== undefined) {
    checks.push(await claudeLoginCheck(claudePath, config, environment, options.loginTimeoutMs ?? 10_000));
  }
  checks.push(codex, shellCheck(config.agents.command.shell, environment), await gitCheck());
  checks.push(dataDirectoryCheck(layout), diskCheck(layout), configured.check);
  checks.push(...(await storeChecks(layout, options.home, configured.config !== undefined)));
  return checks;
}

function check(id: string, title: string, status: DoctorStatus, detail: string, fix: string | null = null): DoctorCheck {
  return { id, title, status, detail, fix: status === 'ok' ? null : fix };
}

function nodeCheck(): DoctorCheck {
  const version = process.versions.node;
  const parts = version.split('.').map(Number);
  let older = false;
  for (let index = 0; index < MINIMUM_NODE.length; index += 1) {
    const have = parts[index] ?? 0;
    const need = MINIMUM_NODE[index] ?? 0;
    if (have !== need) {
      older = have < need;
      break;
    }
  }
  return older
    ? check(
        'node',
        'Node.js',
        'fail',
        `Node.js ${version} is older than ${MINIMUM_NODE.join('.')}`,
        'Install Node.js 20.19 or later (22 or 24 work too).',
      )
    : check('node', 'Node.js', 'ok', `Node.js ${version} at ${process.execPath}`);
}

function configCheck(
  layout: DataLayout,
  environment: Readonly<Record<string, string | undefined>>,
): { config?: Config; check: DoctorCheck } {
  try {
    const { config, sources } = loadConfig({ file: layout.config, environment });
    const parts = [sources.fileExists ? `valid (${layout.config})` : 'defaults (no config file)'];
    if (sources.environment.length > 0) parts.push(`overridden by ${sources.environment.join(', ')}`);
    let status: DoctorStatus = 'ok';
    let fix: string | null = null;
    if (sources.fileExists && process.platform !== 'win32' && (statSync(layout.config).mode & 0o022) !== 0) {
      status = 'warn';
      parts.push('the file is writable by other users');
      fix = `Make it private: chmod 600 ${layout.config}`;
    }
    return { config, check: check('config', 'configuration', status, parts.join('; '), fix) };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : String(error);
    return {
      check: check(
        'config',
        'configuration',
        'fail',
        message,
        'See the bad setting with `claudine config show`, then fix it with `claudine config set <key> <value>` or remove it with `claudine config unset <key>`.',
      ),
    };
  }
}

async function agentCheck(
  agent: 'claude' | 'codex',
  command: string,
  config: Config,
  environment: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const title = agent === 'claude' ? 'Claude Code (claude)' : 'Codex (codex)';
  const isDefault = config.defaults.agent === agent;
  const install =
    agent === 'claude'
      ? 'Install Claude Code (npm install -g @anthropic-ai/claude-code) and log in once with `claude`'
      : 'Install Codex (npm install -g @openai/codex) if you want codex tasks';
  const setting = `agents.${agent}.command`;
  const path = findExecutable(command, environment);
  if (path === undefined) {
    const missing = `${command} was not found${isAbsolute(command) ? '' : ' on the PATH'}`;
    return check(
      agent,
      title,
      isDefault ? 'fail' : 'warn',
      isDefault ? `${missing}; it is the default agent (defaults.agent)` : `${missing}; ${agent} tasks cannot run`,
      `${install}, or point Claudine at it: claudine config set ${setting} /path/to/${agent}`,
    );
  }
  const version = await commandVersion(path, environment, timeoutMs);
  if (version.error !== undefined) {
    return check(
      agent,
      title,
      isDefault ? 'fail' : 'warn',
      `${path} --version failed: ${version.error}`,
      `Run \`${path} --version\` yourself to see why; reinstall it, or set ${setting} to a working executable.`,
    );
  }
  return check(agent, title, 'ok', `${version.output} at ${path}`);
}

const LOGIN_FIX =
  'Log in once, as the user whose tasks run claude: `claude auth login` (or `/login` inside `claude`). Without a browser, `claude setup-token` prints a long-lived token to export as CLAUDE_CODE_OAUTH_TOKEN; an API key works too (export ANTHROPIC_API_KEY). Then run claudine doctor again.';

// Claude Code fails every task it is given while it is not logged in; `claude auth status`
// says so without the network (JSON on stdout, exit 1 when logged out).
async function claudeLoginCheck(
  path: string,
  config: Config,
  environment: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const title = 'Claude Code login';
  const isDefault = config.defaults.agent === 'claude';
  const answer = await runCommand(path, ['auth', 'status'], environment, timeoutMs);
  let status: { loggedIn?: unknown; authMethod?: unknown; apiKeySource?: unknown } | undefined;
  try {
    status = JSON.parse(answer.stdout) as typeof status;
  } catch {
    status = undefined;
  }
  if (typeof status?.loggedIn !== 'boolean') {
    const why = answer.timedOut
      ? `no answer within ${timeoutMs / 1000} s`
      : (firstLine(answer.stderr) ?? firstLine(answer.stdout) ?? 'no answer');
    return check(
      'claude-login',
      title,
      'warn',
      `could not tell whether Claude Code is logged in: \`${path} auth status\` failed (${why})`,
      `Run \`${path} auth status\` yourself (older versions have no such command: update Claude Code). If it is not logged in: ${LOGIN_FIX}`,
    );
  }
  if (!status.loggedIn) {
    return check(
      'claude-login',
      title,
      isDefault ? 'fail' : 'warn',
      `Claude Code is not logged in, so every claude task fails${isDefault ? ' (claude is the default agent)' : ''}`,
      LOGIN_FIX,
    );
  }
  const method = typeof status.authMethod === 'string' ? status.authMethod : 'unknown method';
  const source = typeof status.apiKeySource === 'string' ? ` from ${status.apiKeySource}` : '';
  return check('claude-login', title, 'ok', `logged in (${method}${source})`);
}

function shellCheck(shell: string, environment: Readonly<Record<string, string | undefined>>): DoctorCheck {
  const path = findExecutable(shell, environment);
  return path === undefined
    ? check(
        'shell',
        'shell for command tasks',
        'fail',
        `${shell} was not found or is not executable`,
        'Point Claudine at a POSIX shell: claudine config set agents.command.shell /bin/sh',
      )
    : check('shell', 'shell for command tasks', 'ok', path);
}

// Only worktree tasks need git, so a missing or old one is a warning, not a failure.
async function gitCheck(): Promise<DoctorCheck> {
  const title = 'git for worktree tasks';
  const found = await checkGit();
  if (found.ok) return check('git', title, 'ok', found.value.text);
  return check(
    'git',
    title,
    'warn',
    found.error.message,
    'Install git 2.38 or newer (merge-tree --write-tree) to run tasks with --worktree; other tasks do not need it.',
  );
}

function dataDirectoryCheck(layout: DataLayout): DoctorCheck {
  const title = 'data directory';
  if (!existsSync(layout.root)) {
    const parent = nearestExisting(layout.root);
    if (!writable(parent)) {
      return check(
        'data-directory',
        title,
        'fail',
        `${layout.root} does not exist and ${parent} is not writable, so it cannot be created`,
        'Set CLAUDINE_HOME (or --home) to a directory you can write, or fix the permissions.',
      );
    }
    return check('data-directory', title, 'ok', `${layout.root} (not created yet; it is created private, 0700, on first use)`);
  }
  const stat = statSync(layout.root);
  if (!stat.isDirectory()) {
    return check(
      'data-directory',
      title,
      'fail',
      `${layout.root} is a file, not a directory`,
      'Move the file aside, or set CLAUDINE_HOME to another directory.',
    );
  }
  if (!writable(layout.root)) {
    return check(
      'data-directory',
      title,
      'fail',
      `${layout.root} is not writable`,
      `Fix its permissions: chmod 700 ${layout.root} (as its owner).`,
    );
  }
  if (process.platform !== 'win32') {
    const loose = [layout.root, layout.logs].filter((path) => existsSync(path) && (statSync(path).mode & 0o077) !== 0);
    if (loose.length > 0) {
      return check(
        'data-directory',
        title,
        'warn',
        `${loose.join(' and ')} can be read by other users (task prompts and output may hold secrets)`,
        `Make it private: chmod 700 ${loose.join(' ')} (Claudine also does this the next time it opens it).`,
      );
    }
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      return check(
        'data-directory',
        title,
        'warn',
        `${layout.root} belongs to another user (uid ${stat.uid})`,
        'Use a data directory of your own: set CLAUDINE_HOME.',
      );
    }
  }
  return check('data-directory', title, 'ok', `${layout.root} (private, writable)`);
}

function diskCheck(layout: DataLayout): DoctorCheck {
  const path = nearestExisting(layout.root);
  try {
    const stats = statfsSync(path);
    const free = stats.bavail * stats.bsize;
    const detail = `${formatBytes(free)} free on the file system of ${path}`;
    if (free < FULL_DISK_BYTES)
      return check(
        'disk',
        'free disk space',
        'fail',
        detail,
        'Free some space: `claudine db prune --older-than 7d` deletes old tasks and their logs.',
      );
    if (free < LOW_DISK_BYTES)
      return check(
        'disk',
        'free disk space',
        'warn',
        detail,
        'Free some space soon: task logs need room (`claudine db prune --older-than 7d` helps).',
      );
    return check('disk', 'free disk space', 'ok', detail);
  } catch (error) {
    return check(
      'disk',
      'free disk space',
      'warn',
      `could not measure: ${(error as Error).message}`,
      'Check the free space yourself (df -h).',
    );
  }
}

async function storeChecks(layout: DataLayout, home: string | undefined, configValid: boolean): Promise<DoctorCheck[]> {
  const entry = hostEntryPath();
  const entryCheck = existsSync(entry)
    ? undefined
    : check(
        'host',
        'host',
        'fail',
        `the host program ${entry} is missing, so no host can start`,
        'Build Claudine again (pnpm build) or reinstall it.',
      );
  if (!existsSync(layout.database)) {
    return [
      check('database', 'database', 'ok', `${layout.database} (not created yet)`),
      entryCheck ?? check('host', 'host', 'ok', 'not running; one starts when a task is submitted'),
    ];
  }
  if (!configValid) {
    const skipped = 'not checked: fix the configuration first';
    return [
      check('database', 'database', 'warn', skipped, 'Fix the configuration (see above), then run claudine doctor again.'),
      entryCheck ?? check('host', 'host', 'warn', skipped, 'Fix the configuration (see above).'),
    ];
  }
  let claudine: ReturnType<typeof openClaudine> | undefined;
  try {
    claudine = openClaudine({ ...(home === undefined ? {} : { home }), autoStartHost: false });
    const report = await claudine.checkDatabase();
    const database = report.ok
      ? check(
          'database',
          'database',
          'ok',
          `${layout.database}: ${report.tasks} task(s), schema ${report.schemaVersion}, ${formatBytes(report.databaseBytes)}`,
        )
      : check(
          'database',
          'database',
          'fail',
          `${layout.database}: ${report.problems.slice(0, 3).join('; ')}`,
          'See every problem with `claudine db check`; restore a backup, or move the file aside to start afresh.',
        );
    const status = await claudine.hostStatus();
    const host =
      entryCheck ??
      (status.running && status.host !== null
        ? check('host', 'host', 'ok', `running: pid ${status.host.pid} on ${status.host.hostname}`)
        : check('host', 'host', 'ok', 'not running; one starts when a task is submitted'));
    return [database, host];
  } catch (error) {
    const message = isClaudineError(error) || error instanceof Error ? error.message : String(error);
    if (isClaudineError(error) && error.code === 'native_module_mismatch') {
      // Not the database: the module that reads it was built for another Node.js.
      return [
        check('database', 'database', 'fail', message, 'Rebuild better-sqlite3 with the command above, then run claudine doctor again.'),
        entryCheck ??
          check(
            'host',
            'host',
            'warn',
            'not checked: better-sqlite3 must first be rebuilt for this Node.js',
            'Rebuild better-sqlite3 (see above).',
          ),
      ];
    }
    return [
      check(
        'database',
        'database',
        'fail',
        message,
        'See `claudine db check`; restore a backup (claudine db backup makes one), or move the file aside.',
      ),
      entryCheck ?? check('host', 'host', 'warn', 'not checked: the database could not be opened', 'Fix the database first.'),
    ];
  } finally {
    claudine?.close();
  }
}

function findExecutable(command: string, environment: Readonly<Record<string, string | undefined>>): string | undefined {
  if (command.includes('/')) return executable(command) ? command : undefined;
  for (const directory of (environment.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function firstLine(text: string): string | undefined {
  const line = text.trim().split('\n')[0]?.trim();
  return line === undefined || line === '' ? undefined : line;
}

function runCommand(
  path: string,
  args: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(path, args, { timeout: timeoutMs, env: environment as NodeJS.ProcessEnv }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, timedOut: error?.killed === true });
    });
    // Nothing to read: a version that takes the words for a prompt must not wait for more.
    child.stdin?.end();
  });
}

function commandVersion(
  path: string,
  environment: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<{ output: string; error?: undefined } | { output?: undefined; error: string }> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: timeoutMs, env: environment as NodeJS.ProcessEnv }, (error, stdout, stderr) => {
      if (error !== null) {
        const reason = error.killed
          ? `no answer within ${timeoutMs / 1000} s`
          : (stderr.trim().split('\n')[0] ?? error.message) || error.message;
        resolve({ error: reason });
        return;
      }
      resolve({ output: stdout.trim().split('\n')[0] ?? '' });
    });
  });
}
