import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { type Config, checkGit } from '@claudine/runtime';
import { check, type DoctorCheck } from './doctor-check.js';

/** Whether an agent's executable is found and answers `--version` in time. */
export async function agentCheck(
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
/** Whether Claude Code is logged in (`claude auth status`). */
export async function claudeLoginCheck(
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

/** Whether the shell that runs command tasks is found. */
export function shellCheck(shell: string, environment: Readonly<Record<string, string | undefined>>): DoctorCheck {
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

/** Where `command` resolves on PATH (or as a path), if it is an executable file. */
export function findExecutable(command: string, environment: Readonly<Record<string, string | undefined>>): string | undefined {
  if (command.includes('/')) return executable(command) ? command : undefined;
  for (const directory of (environment.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** True when `path` is a file this user may execute. */
export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
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

/** git for worktree tasks. Only worktree tasks need it, so a missing or old one is a warning, not a failure. */
export async function gitCheck(): Promise<DoctorCheck> {
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
