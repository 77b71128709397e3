import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminalStatus, type Task } from '@claudine/core';
import { type Claudine, openClaudine } from '@claudine/runtime';

/** A real host (a detached process, as clients start it) and a client for benchmarks. */
export interface BenchHost {
  readonly claudine: Claudine;
  readonly pid: number;
  readonly home: string;
  /** Submits a command task and resolves when it has finished. */
  run(command: string): Promise<Task>;
  /** Submits command tasks at once and resolves when all have finished. */
  runAll(commands: readonly string[]): Promise<Task[]>;
  /** Removes a task's log, to keep the scratch disk small. */
  removeLog(task: Task): void;
  stop(): Promise<void>;
}

/** `scratch/work`, made (if missing) for bench tasks to run in. */
export function benchWorkdir(scratch: string): string {
  const workdir = join(scratch, 'work');
  mkdirSync(workdir, { recursive: true });
  return workdir;
}

/** Starts a host in `home` with extra `CLAUDINE_*` settings. */
export async function startBenchHost(home: string, settings: Record<string, string>, workdir: string): Promise<BenchHost> {
  const environment = { ...process.env, CLAUDINE_HOME: home, CLAUDINE_HOST_IDLE_EXIT: '30m', ...settings };
  const claudine = openClaudine({ home, environment });
  const { host } = await claudine.ensureHost();
  const finished = async (id: string): Promise<Task> => {
    const task = await claudine.waitForTask(id);
    if (!isTerminalStatus(task.status) || task.status !== 'completed') throw new Error(`task ${id} ${task.status}: ${task.statusDetail}`);
    return task;
  };
  return {
    claudine,
    pid: host.pid,
    home,
    async run(command) {
      const { task } = await claudine.submit({ prompt: command, agent: 'command', cwd: workdir, timeoutMs: 3_600_000 });
      return finished(task.id);
    },
    async runAll(commands) {
      const submitted = await Promise.all(
        commands.map((command) => claudine.submit({ prompt: command, agent: 'command', cwd: workdir, timeoutMs: 3_600_000 })),
      );
      return Promise.all(submitted.map(({ task }) => finished(task.id)));
    },
    removeLog(task) {
      rmSync(join(home, 'logs', task.id), { recursive: true, force: true });
    },
    async stop() {
      process.kill(host.pid, 'SIGTERM');
      for (let waited = 0; waited < 30_000; waited += 50) {
        try {
          process.kill(host.pid, 0);
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      claudine.close();
    },
  };
}
