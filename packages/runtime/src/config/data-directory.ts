import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ClaudineError } from '@claudine/core';

/** The files and directories inside a data directory. */
export interface DataLayout {
  readonly root: string;
  readonly database: string;
  readonly logs: string;
  readonly config: string;
  readonly hostLog: string;
  /** Small files touched to wake watchers (no network listener is needed for that). */
  readonly signals: string;
  /** Each host's journal of task ends not yet recorded in the database (see `outcome-journal.ts`). */
  readonly outcomes: string;
  /** Tasks' git worktrees, one directory per task id (never inside a repository). */
  readonly worktrees: string;
  /** Lock files that serialise git writes per repository across processes. */
  readonly gitLocks: string;
}

/**
 * The data directory: `$CLAUDINE_HOME` if set, else the platform's data directory
 * (`$XDG_DATA_HOME/claudine` or `~/.local/share/claudine` on Linux,
 * `~/Library/Application Support/claudine` on macOS, `%LOCALAPPDATA%\claudine` on Windows).
 */
export function resolveDataDirectory(environment: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = environment.CLAUDINE_HOME;
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'claudine');
  if (process.platform === 'win32') {
    return join(environment.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'claudine');
  }
  const xdg = environment.XDG_DATA_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.local', 'share'), 'claudine');
}

/** The layout of the data directory at `root`. */
export function dataLayout(root: string): DataLayout {
  return {
    root,
    database: join(root, 'claudine.db'),
    logs: join(root, 'logs'),
    config: join(root, 'config.json'),
    hostLog: join(root, 'host.log'),
    signals: join(root, 'signals'),
    outcomes: join(root, 'outcomes'),
    worktrees: join(root, 'worktrees'),
    gitLocks: join(root, 'locks', 'git'),
  };
}

/**
 * Creates the data directory and its subdirectories, private to the user (0700): task logs
 * and prompts may hold secrets. A directory that exists with looser permissions is tightened.
 */
export function ensureDataDirectory(root: string): DataLayout {
  const layout = dataLayout(root);
  for (const directory of [layout.root, layout.logs, layout.signals, layout.outcomes]) {
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      const mode = statSync(directory).mode & 0o777;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) chmodSync(directory, 0o700);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ClaudineError(
        code === 'ENOSPC' ? 'storage_full' : 'storage_readonly',
        `Could not prepare the data directory ${directory}: ${(error as Error).message}. Set CLAUDINE_HOME to a writable directory, or fix the permissions.`,
        { cause: error, details: { path: directory } },
      );
    }
  }
  return layout;
}
