import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent, RunHandle, RunResult, Task } from '@claudine/core';
import { runningTaskFixture } from '@claudine/task-fixtures';
import { createTempDir, fakeClaudePath, findProcessesWithMarker, type TempDir } from '@claudine/test-utils';
import { createClaudeAgent } from './agents/claude-agent.js';
import { createFileOutputStore } from './output/file-output-store.js';
import type { RunCgroups } from './process/run-cgroups.js';
import { createProcessRunner, type NodeProcessRunner } from './process-runner.js';

/** A scratch area for runner tests: logs, a working directory, a marker for /proc scans. */
export interface RunnerFixture {
  readonly temp: TempDir;
  readonly logs: string;
  readonly workdir: string;
  /** `NAME=value` put in every task's environment, to find its processes through /proc. */
  readonly marker: string;
  /** A task with sensible defaults, carrying the marker. */
  task(overrides?: Partial<Task>): Task;
  runner(options?: { killGraceMs?: number; cgroups?: RunCgroups }): NodeProcessRunner;
  /** Starts a task and collects its events. */
  start(subject: Task, runner: NodeProcessRunner): { handle: RunHandle; events: RunEvent[] };
  /** The task's output on the given streams, concatenated. */
  output(id: string, streams: Array<'stdout' | 'stderr' | 'system'>): Promise<string>;
  /** Kills whatever a test left behind and removes the scratch area. */
  dispose(): void;
}

/**
 * A task as the runner gets it from the host: claimed and running, with a random id (it marks
 * the task's processes machine-wide, and other test files run tasks at the same time), a
 * command agent running `true`, and whatever `overrides` change.
 */
export function runningTask(overrides: Partial<Task> & Pick<Task, 'cwd'>): Task {
  return runningTaskFixture({ timeoutMs: 30_000, ...overrides });
}

/** Creates a {@link RunnerFixture}. */
export function createRunnerFixture(): RunnerFixture {
  const temp = createTempDir();
  const logs = join(temp.path, 'logs');
  const workdir = join(temp.path, 'work');
  mkdirSync(workdir);
  const markerValue = Math.random().toString(36).slice(2);
  const marker = `CLAUDINE_TEST_MARKER=${markerValue}`;
  return {
    temp,
    logs,
    workdir,
    marker,
    task(overrides = {}) {
      return runningTask({ cwd: workdir, agentOptions: { env: { CLAUDINE_TEST_MARKER: markerValue } }, ...overrides });
    },
    runner(options = {}) {
      return createProcessRunner({
        logsDirectory: logs,
        killGraceMs: options.killGraceMs ?? 1000,
        agents: { claude: createClaudeAgent({ command: fakeClaudePath }) },
        ...(options.cgroups === undefined ? {} : { cgroups: options.cgroups }),
      });
    },
    start(subject, runner) {
      const events: RunEvent[] = [];
      const handle = runner.start(subject, { onEvent: (event) => events.push(event) });
      return { handle, events };
    },
    async output(id, streams) {
      const slice = await createFileOutputStore(logs).read(id, { streams });
      return slice.records.map((record) => record.text).join('');
    },
    dispose() {
      for (const pid of findProcessesWithMarker(marker)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      temp.remove();
    },
  };
}

/** Pids the fake claude named on stderr (`fake-claude: started <kind> <pid>`), by kind. */
export function startedByFake(stderr: string): Record<string, number[]> {
  const found: Record<string, number[]> = {};
  for (const match of stderr.matchAll(/fake-claude: started (\S+) (\d+)/g)) {
    const kind = match[1] as string;
    found[kind] = [...(found[kind] ?? []), Number(match[2])];
  }
  return found;
}

/** Times (ms since the epoch) at which the fake claude said it received SIGTERM. */
export function sigtermTimes(stderr: string): number[] {
  return [...stderr.matchAll(/fake-claude: SIGTERM at (\d+)/g)].map((match) => Number(match[1]));
}

/** The run's termination record, failing clearly when there is none. */
export function terminationOf(result: RunResult): NonNullable<RunResult['termination']> {
  if (result.termination === null) throw new Error(`the run was not terminated: ${JSON.stringify(result)}`);
  return result.termination;
}
