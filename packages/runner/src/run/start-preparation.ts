import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentKind } from '@claudine/core';

/**
 * The file a command agent's script is written to, in the task's log directory (0700). It stays
 * there until the log is removed: a file deleted per task would slow every file created after
 * it for a while (ext4 without a journal looks past inodes freed in the last seconds one by
 * one), and the prompt it holds is in the database anyway.
 */
export const SCRIPT_FILE = 'command.sh';

/** Why a task cannot start in its working directory, or undefined when it can. */
export function checkWorkingDirectory(cwd: string): string | undefined {
  try {
    if (!statSync(cwd).isDirectory()) return `the working directory ${cwd} is not a directory`;
  } catch {
    return `the working directory ${cwd} does not exist (any more): recreate it or submit the task with another --cwd`;
  }
  return undefined;
}

/** What to tell the user when an agent's executable could not be started. */
export function describeStartError(command: string, agent: AgentKind, error: NodeJS.ErrnoException): string {
  return error.code === 'ENOENT'
    ? `could not start ${command}: not found. Install it or set its path in the configuration (agents.${agent}.command).`
    : `could not start ${command}: ${error.message}`;
}

/**
 * Writes a command's script to a private file: never argv, which the system bounds (a single
 * argument by 128 KiB on Linux).
 */
export function writeScript(path: string, script: string): void {
  try {
    writeFileSync(path, script, { mode: 0o600 });
  } catch (error) {
    // The log's first note makes its directory; one that could not be made is made here.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, script, { mode: 0o600 });
  }
}

/** An argument as the log's command-line note shows it: shell-quoted, long ones shortened. */
export function quote(argument: string): string {
  if (argument.length > 80) return `'${argument.slice(0, 77)}...'`;
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}
