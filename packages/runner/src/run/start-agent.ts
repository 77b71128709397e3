import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandInCgroup } from '../process/run-cgroups.js';

/** What to start as a run's agent. */
export interface AgentStart {
  /** The executable, looked up on the `PATH` of `env` when it has no slash. */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The whole environment (undefined values are left out). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when the prompt will be written to a pipe on stdin; else stdin is /dev/null. */
  readonly stdinPipe: boolean;
  /** A cgroup directory the agent enters before it runs, or undefined. */
  readonly cgroup: string | undefined;
}

// What execvp searches when the environment has no PATH.
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * Starts an agent, the one way the runner starts processes: `child_process.spawn`, detached
 * (a new session, so it leads its own process group), stdout and stderr on pipes. With a
 * cgroup, through a shell that moves itself there and then execs the agent (same pid). Throws
 * like `spawn` does; a program that is not on `PATH` throws an error with code `ENOENT`
 * before anything starts.
 */
export function startAgent(start: AgentStart): ChildProcess {
  if (findExecutable(start.command, start.env.PATH, start.cwd) === undefined) {
    throw Object.assign(new Error(`spawn ${start.command} ENOENT`), { code: 'ENOENT' });
  }
  const line =
    start.cgroup === undefined ? { command: start.command, args: start.args } : commandInCgroup(start.cgroup, start.command, start.args);
  return spawn(line.command, [...line.args], {
    cwd: start.cwd,
    // The task id marks every process of the task, even one that leaves the tree.
    env: start.env as NodeJS.ProcessEnv,
    detached: true,
    stdio: [start.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}

/**
 * Where `command` is found as execvp would find it: a path with a slash as it is (relative to
 * `cwd`), else the first executable file of that name in the directories of `searchPath`.
 * Undefined when there is none.
 */
export function findExecutable(command: string, searchPath: string | undefined, cwd: string): string | undefined {
  if (command.includes('/')) return isExecutableFile(resolve(cwd, command)) ? command : undefined;
  for (const directory of (searchPath ?? DEFAULT_PATH).split(':')) {
    // An empty entry is the working directory, as for execvp.
    const candidate = join(resolve(cwd, directory), command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
