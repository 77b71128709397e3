import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A git repository in a temp dir, with commits, for one test to change as it likes. */
export interface GitRepository {
  /** The repository's top level (real path). */
  readonly path: string;
  /** A directory beside the repository, outside it (for worktrees, data dirs, other repositories). */
  readonly scratch: string;
  /** Runs `git <args>` (in the repository unless `cwd` says otherwise) and returns its stdout, trimmed. Throws with git's stderr. */
  git(args: readonly string[], options?: { readonly cwd?: string; readonly input?: string; readonly env?: Record<string, string> }): string;
  /** Writes files (creating directories), relative to `cwd` (default the repository); `null` deletes one. */
  write(files: Readonly<Record<string, string | null>>, cwd?: string): void;
  /** Writes files, stages everything and commits; returns the new commit id. */
  commit(files: Readonly<Record<string, string | null>>, message: string, cwd?: string): string;
  /** The commit `revision` names (default `HEAD`). */
  revParse(revision?: string, cwd?: string): string;
  /** Removes the repository and the scratch directory. */
  remove(): void;
}

/** The files of the shared template's two commits. `src/shared.txt` has ten lines so that edits to different lines merge cleanly. */
export const TEMPLATE_FILES = {
  'README.md': '# Fixture\n\nA repository for tests.\n',
  '.gitignore': '.env\n*.log\nnode_modules/\n',
  'src/shared.txt': `${Array.from({ length: 10 }, (_, index) => `line ${index + 1}`).join('\n')}\n`,
  'packages/app/index.txt': 'app\n',
} as const;

// Commands here and the code under test must not be pointed at another repository by the
// environment of whoever runs the tests (a git hook sets these).
function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', ...extra };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY']) delete env[name];
  return env;
}

function runGit(args: readonly string[], cwd: string, input?: string, env?: Record<string, string>): string {
  try {
    return execFileSync('git', [...args], {
      cwd,
      input,
      env: gitEnvironment(env),
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || (error as Error).message}`);
  }
}

function writeFiles(root: string, files: Readonly<Record<string, string | null>>): void {
  for (const [file, content] of Object.entries(files)) {
    const path = join(root, file);
    if (content === null) rmSync(path, { force: true, recursive: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

let template: string | undefined;

// Made once per test process and copied for each test: `git init` and two commits cost more
// than a copy of a few files.
function templateRepository(): string {
  if (template !== undefined) return template;
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'claudine-git-template-')));
  const path = join(root, 'repo');
  mkdirSync(path);
  runGit(['init', '--quiet', '--initial-branch=main'], path);
  for (const [key, value] of [
    ['user.name', 'Fixture User'],
    ['user.email', 'fixture@example.com'],
    ['commit.gpgsign', 'false'],
    ['tag.gpgsign', 'false'],
    ['core.autocrlf', 'false'],
  ] as const) {
    runGit(['config', key, value], path);
  }
  const { 'packages/app/index.txt': app, ...first } = TEMPLATE_FILES;
  writeFiles(path, first);
  runGit(['add', '--all'], path);
  runGit(['commit', '--quiet', '-m', 'initial'], path);
  writeFiles(path, { 'packages/app/index.txt': app });
  runGit(['add', '--all'], path);
  runGit(['commit', '--quiet', '-m', 'add the app'], path);
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  template = path;
  return path;
}

/**
 * A fresh copy of the shared template repository: branch `main` checked out, two commits
 * ({@link TEMPLATE_FILES}), `.env`, `*.log` and `node_modules/` ignored, an identity
 * configured locally, and a scratch directory beside it.
 */
export function createGitRepository(prefix = 'claudine-git-'): GitRepository {
  const scratchRoot = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const path = join(scratchRoot, 'repo');
  cpSync(templateRepository(), path, { recursive: true });
  const scratch = join(scratchRoot, 'scratch');
  mkdirSync(scratch);
  const repository: GitRepository = {
    path,
    scratch,
    git: (args, options = {}) => runGit(args, options.cwd ?? path, options.input, options.env),
    write: (files, cwd = path) => writeFiles(cwd, files),
    commit(files, message, cwd = path) {
      writeFiles(cwd, files);
      runGit(['add', '--all'], cwd);
      runGit(['commit', '--quiet', '--allow-empty', '-m', message], cwd);
      return runGit(['rev-parse', 'HEAD'], cwd);
    },
    revParse: (revision = 'HEAD', cwd = path) => runGit(['rev-parse', '--verify', `${revision}^{commit}`], cwd),
    remove: () => rmSync(scratchRoot, { recursive: true, force: true, maxRetries: 3 }),
  };
  return repository;
}
