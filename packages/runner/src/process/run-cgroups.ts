import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Gives each run a cgroup of its own (cgroup v2, Linux), so that everything the task starts is
 * accounted and killed as one, whatever it does to leave its process group. The runner puts
 * the agent there before it runs, kills the cgroup as a whole at the end of a grace period, and
 * counts its members as the task's processes. Whoever gives the cgroups out creates them,
 * reads their figures and takes them back: in a host, `@claudine/metrics`' task sampler
 * (`reserveCgroup`), wired by `@claudine/runtime`.
 */
export interface RunCgroups {
  /**
   * The directory of an empty cgroup for the run of task `taskId` starting now, or undefined:
   * the run then has none. Called once per run, just before its agent starts. Must not throw.
   */
  reserve(taskId: string): string | undefined;
}

// Moves the shell into the cgroup named by $0 (its cgroup.procs), then becomes the agent: the
// agent's first instruction already runs in the cgroup, and so does every process it starts.
// A cgroup that cannot be entered costs whole-tree accounting, never the task: the shell says
// why on stderr and goes on.
const ENTER_AND_EXEC = 'echo $$ > "$0"; exec "$@"';

/**
 * The command line that starts `command args` inside `cgroup`: a POSIX shell that moves itself
 * there, then execs the command (same pid, same process). Moving the agent in after `spawn`
 * returns instead would race with its first fork: a shell often starts its first child before
 * the parent's write lands.
 */
export function commandInCgroup(cgroup: string, command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', ENTER_AND_EXEC, join(cgroup, 'cgroup.procs'), command, ...args] };
}

/**
 * `script` with a first statement that moves its shell into `cgroup`, on the script's own first
 * line (its line numbers stay as written): a shell that runs a script needs no wrapper to
 * enter the cgroup before the script's first command. As with the wrapper, a cgroup that
 * cannot be entered costs whole-tree accounting, never the task.
 */
export function enterCgroupFirst(cgroup: string, script: string): string {
  return `echo $$ > ${shellQuote(join(cgroup, 'cgroup.procs'))}; ${script}`;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** Pids of the processes in `cgroup` now (zombies are not listed); empty when it cannot be read. */
export function cgroupProcesses(cgroup: string): number[] {
  let text: string;
  try {
    text = readFileSync(join(cgroup, 'cgroup.procs'), 'latin1');
  } catch {
    return [];
  }
  return text === '' ? [] : text.trimEnd().split('\n').map(Number);
}

// Without cgroup.kill, rounds of "list, SIGKILL each": a process forked between a listing and
// the kill is caught by the next round.
const KILL_ROUNDS = 8;

/**
 * SIGKILLs every process in `cgroup` and its descendants: by `cgroup.kill` (Linux 5.14+, one
 * write, which also stops a fork racing with it), else by SIGKILL to every pid in
 * `cgroup.procs`. Returns how many processes it was in when asked.
 */
export function killCgroup(cgroup: string): number {
  const members = cgroupProcesses(cgroup);
  if (members.length === 0) return 0;
  try {
    writeFileSync(join(cgroup, 'cgroup.kill'), '1');
    return members.length;
  } catch {
    // An older kernel, or not ours: one by one.
  }
  let pids = members;
  for (let round = 0; round < KILL_ROUNDS && pids.length > 0; round += 1) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile, or not ours to kill.
      }
    }
    pids = cgroupProcesses(cgroup);
  }
  return members.length;
}
