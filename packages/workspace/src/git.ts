import { spawn } from 'node:child_process';
import { ClaudineError } from '@claudine/core';

/** How to run git: which executable, and variables added to every call's environment. */
export interface GitCommand {
  /** The git executable (default `git`, found on PATH). */
  readonly executable: string;
}

/** Options for one git call. */
export interface GitCallOptions {
  /** The directory git runs in (`git -C`). */
  readonly cwd: string;
  /** Bytes written to git's stdin (messages, pathspecs); stdin is closed otherwise. */
  readonly input?: string | Buffer;
  /** Exit codes that are answers, not failures (`merge-tree` says 1 for a conflict). */
  readonly allowExitCodes?: readonly number[];
  /** Variables set on top of the sanitised environment (a temporary index, an identity). */
  readonly env?: Readonly<Record<string, string>>;
  /** A read-only call: git takes no optional lock (`GIT_OPTIONAL_LOCKS=0`), so it never blocks a writer. */
  readonly readOnly?: boolean;
}

/** What a git call printed, and its exit code (0 or one of `allowExitCodes`). */
export interface GitOutput {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

// Variables that point git at another repository, index or object store: a host started from a
// git hook (or a test run inside one) carries them, and every call here names its repository.
const REPOSITORY_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_QUARANTINE_PATH',
];

/**
 * The environment of every git call: this process's, without the variables that redirect git,
 * with prompts off (a credential prompt would hang a host with no terminal).
 */
export function gitEnvironment(extra: Readonly<Record<string, string>> = {}, readOnly = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REPOSITORY_VARIABLES) delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  if (readOnly) env.GIT_OPTIONAL_LOCKS = '0';
  return { ...env, ...extra };
}

// Claudine's own commands run no hooks: a repository's post-checkout or pre-commit hook could
// install, prompt or fail, and a task's setup command is where installs belong. The agent's own
// git commands in the worktree run them as usual.
const FIXED_OPTIONS = ['-c', 'core.hooksPath=/dev/null'];

/**
 * Runs `git <args>` in `options.cwd` and returns its output. A non-zero exit code not in
 * `allowExitCodes`, or git missing, is thrown as a {@link ClaudineError} with code `git_failed`
 * whose message carries git's own words and the command.
 */
export function runGit(git: GitCommand, args: readonly string[], options: GitCallOptions): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(git.executable, [...FIXED_OPTIONS, ...args], {
      cwd: options.cwd,
      env: gitEnvironment(options.env, options.readOnly),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ClaudineError(
          'git_failed',
          error.code === 'ENOENT'
            ? `could not start ${git.executable} in ${options.cwd}: install git 2.38 or newer (or put it on PATH), and check that the directory exists`
            : `could not run git ${args[0] ?? ''}: ${error.message}`,
          { cause: error, details: { args: [...args], cwd: options.cwd } },
        ),
      );
    });
    // git may exit before reading everything (a refused command): that is reported by its exit code.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.on('close', (code, signal) => {
      const exitCode = code ?? -1;
      const output = { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8'), exitCode };
      if (exitCode === 0 || options.allowExitCodes?.includes(exitCode)) resolve(output);
      else reject(gitFailure(args, options.cwd, output, signal));
    });
  });
}

/** The error of a git call that failed: git's message first, then the command. */
export function gitFailure(args: readonly string[], cwd: string, output: GitOutput, signal: NodeJS.Signals | null = null): ClaudineError {
  const said =
    output.stderr.trim().split('\n').slice(-5).join('\n') || (signal === null ? `exit code ${output.exitCode}` : `signal ${signal}`);
  return new ClaudineError('git_failed', `git ${args.slice(0, 3).join(' ')} failed in ${cwd}: ${said}`, {
    details: { args: [...args], cwd, exitCode: output.exitCode, stderr: output.stderr },
  });
}

/** Runs git and returns its stdout as text without the final newline. */
export async function gitText(git: GitCommand, args: readonly string[], options: GitCallOptions): Promise<string> {
  const output = await runGit(git, args, options);
  return output.stdout.toString('utf8').replace(/\n$/, '');
}

/** Splits NUL-terminated output (`-z`) into its fields, without the empty one after the last NUL. */
export function nulFields(output: Buffer | string): string[] {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  if (text === '') return [];
  const fields = text.split('\0');
  if (fields[fields.length - 1] === '') fields.pop();
  return fields;
}

/**
 * The commit `revision` names, or null when it names none (`rev-parse --verify --quiet`,
 * peeled to a commit so a tag gives its commit).
 */
export async function resolveCommit(git: GitCommand, cwd: string, revision: string): Promise<string | null> {
  const output = await runGit(git, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], {
    cwd,
    allowExitCodes: [1, 128],
    readOnly: true,
  });
  return output.exitCode === 0 ? output.stdout.toString('utf8').trim() : null;
}

/** True when `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(git: GitCommand, cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const output = await runGit(git, ['merge-base', '--is-ancestor', ancestor, descendant], { cwd, allowExitCodes: [1], readOnly: true });
  return output.exitCode === 0;
}
