import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type {
  AgentKind,
  AgentReport,
  OutputEvent,
  ProcessRunner,
  RunEvent,
  RunHandle,
  RunOptions,
  RunResult,
  Task,
  TerminationReason,
} from '@claudine/core';
import type { Agent, AgentReportParser } from './agents/agent.js';
import { createClaudeAgent } from './agents/claude-agent.js';
import { createCodexAgent } from './agents/codex-agent.js';
import { createCommandAgent } from './agents/command-agent.js';
import type { LogFileSystem } from './output/log-file-system.js';
import { taskLogDirectory } from './output/log-paths.js';
import { createTaskLogWriter, type TaskLogWriter, type TaskLogWriterOptions } from './output/task-log-writer.js';
import { identifyProcess } from './process/process-identity.js';

/** Settings of {@link createProcessRunner}. */
export interface ProcessRunnerOptions {
  /** Where task logs go (one directory per task). */
  readonly logsDirectory: string;
  /** Agent adapters by kind; defaults run `claude`, `codex` and `/bin/sh` from PATH. */
  readonly agents?: Partial<Record<AgentKind, Agent>>;
  /** Environment the agents inherit (default `process.env`). */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Time between SIGTERM and SIGKILL (default 5000 ms). */
  readonly killGraceMs?: number;
  /** Fraction of the timeout at which a warning is given (default 0.9). */
  readonly warnAtFraction?: number;
  /** Output held in memory per task before the pipe is paused (default 1 MiB). */
  readonly maxBufferedOutputBytes?: number;
  /** Size at which a task's log rolls into a new segment (default 100 MiB). */
  readonly segmentBytes?: number;
  /** Cap on a task's whole log; output beyond it is dropped and counted (default 10 GiB). */
  readonly maxOutputBytesPerTask?: number;
  /** Told when a log segment is opened or closed and when a run's capture ends. Must not throw. */
  readonly onOutputEvent?: (event: OutputEvent) => void;
  /** File operations of the log writer (tests inject failures). */
  readonly logFileSystem?: LogFileSystem;
  readonly now?: () => number;
}

// Lines longer than this are still logged in full but not parsed for the agent's report.
const MAX_PARSED_LINE = 16 * 1024 * 1024;

/**
 * The {@link ProcessRunner} on Node child processes. Each task runs in its own process group
 * (its own session); its stdout and stderr go to its log with backpressure; its timeout sends
 * SIGTERM to the group and SIGKILL after the grace period; when the agent exits, whatever it
 * left running in its group is stopped the same way, so no orphan outlives its task.
 */
export function createProcessRunner(options: ProcessRunnerOptions): ProcessRunner {
  const agents: Record<AgentKind, Agent> = {
    claude: options.agents?.claude ?? createClaudeAgent(),
    codex: options.agents?.codex ?? createCodexAgent(),
    command: options.agents?.command ?? createCommandAgent(),
  };
  const environment = options.environment ?? process.env;
  const graceMs = options.killGraceMs ?? 5000;
  const warnAt = options.warnAtFraction ?? 0.9;
  const now = options.now ?? Date.now;

  return {
    start(task: Task, runOptions: RunOptions = {}): RunHandle {
      let settle: (result: RunResult) => void = () => {};
      const done = new Promise<RunResult>((resolve) => {
        settle = resolve;
      });
      const run = new TaskRun(task, agents[task.agent], {
        environment,
        graceMs,
        warnAt,
        now,
        logsDirectory: options.logsDirectory,
        output: {
          ...(options.maxBufferedOutputBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedOutputBytes }),
          ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
          ...(options.maxOutputBytesPerTask === undefined ? {} : { maxLogBytes: options.maxOutputBytesPerTask }),
          ...(options.logFileSystem === undefined ? {} : { fileSystem: options.logFileSystem }),
          ...(options.onOutputEvent === undefined ? {} : { onEvent: options.onOutputEvent }),
        },
        onEvent: runOptions.onEvent ?? (() => {}),
        settle: (result) => settle(result),
      });
      run.begin();
      return {
        done,
        terminate(reason, detail) {
          run.terminate(reason, detail);
        },
      };
    },
  };
}

interface TaskRunContext {
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly graceMs: number;
  readonly warnAt: number;
  readonly now: () => number;
  readonly logsDirectory: string;
  readonly output: Omit<TaskLogWriterOptions, 'directory' | 'taskId' | 'now'>;
  readonly onEvent: (event: RunEvent) => void;
  readonly settle: (result: RunResult) => void;
}

type StopReason = TerminationReason | 'timeout';

class TaskRun {
  readonly #task: Task;
  readonly #agent: Agent;
  readonly #context: TaskRunContext;
  #child: ChildProcess | undefined;
  #log: TaskLogWriter | undefined;
  #parser: AgentReportParser | null = null;
  #stop: { reason: StopReason; detail: string } | undefined;
  #killed = false;
  #exited = false;
  #settled = false;
  #spawnError: string | undefined;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(task: Task, agent: Agent, context: TaskRunContext) {
    this.#task = task;
    this.#agent = agent;
    this.#context = context;
  }

  begin(): void {
    const task = this.#task;
    const failure = this.#checkWorkingDirectory();
    if (failure !== undefined) {
      this.#finishWithoutProcess(failure);
      return;
    }
    try {
      this.#log = createTaskLogWriter({
        ...this.#context.output,
        directory: taskLogDirectory(this.#context.logsDirectory, task.id),
        taskId: task.id,
        now: this.#context.now,
      });
    } catch (error) {
      this.#finishWithoutProcess(`could not create the task's log: ${(error as Error).message}`);
      return;
    }
    const invocation = this.#agent.invocation(task, this.#context.environment);
    this.#parser = this.#agent.createParser();
    this.#log.note(`[claudine] attempt ${task.attempt}: ${invocation.command} ${invocation.args.map(quote).join(' ')}`);
    let child: ChildProcess;
    try {
      child = spawn(invocation.command, [...invocation.args], {
        cwd: task.cwd,
        env: invocation.env as NodeJS.ProcessEnv,
        // A new session makes the child lead its own process group: signals reach the tree.
        detached: true,
        stdio: [invocation.stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      this.#spawnError = `could not start ${invocation.command}: ${(error as Error).message}`;
      void this.#complete({ exitCode: null, signal: null });
      return;
    }
    this.#child = child;
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined && this.#spawnError === undefined && error.code !== 'ENOENT') return;
      this.#spawnError =
        error.code === 'ENOENT'
          ? `could not start ${invocation.command}: not found. Install it or set its path in the configuration (agents.${task.agent}.command).`
          : `could not start ${invocation.command}: ${error.message}`;
    });
    child.on('exit', () => {
      this.#exited = true;
      // Whatever the agent left behind in its group goes with it.
      if (child.pid !== undefined) this.#signalGroup('SIGTERM', true);
    });
    child.on('close', (code, signal) => {
      void this.#complete({ exitCode: code, signal });
    });
    if (child.pid === undefined) return;
    const identity = identifyProcess(child.pid) ?? { pid: child.pid, startTime: null };
    this.#context.onEvent({ kind: 'started', process: identity, at: this.#context.now() });
    if (child.stdin !== null) {
      child.stdin.on('error', () => {
        // The agent exited without reading all of stdin; its exit status tells the story.
      });
      child.stdin.end(invocation.stdin ?? '');
    }
    this.#pipe(child, 'stdout');
    this.#pipe(child, 'stderr');
    this.#armTimeout();
    if (this.#stop !== undefined) this.#signalGroup('SIGTERM');
  }

  terminate(reason: TerminationReason, detail?: string): void {
    if (this.#stop !== undefined || this.#settled) return;
    const text = detail ?? (reason === 'cancelled' ? 'cancelled on request' : 'the host is shutting down');
    this.#stopWith(reason, text);
  }

  #stopWith(reason: StopReason, detail: string): void {
    this.#stop = { reason, detail };
    this.#log?.note(`[claudine] stopping (${reason}): ${detail}; sending SIGTERM`);
    this.#context.onEvent({ kind: 'terminating', reason, at: this.#context.now() });
    if (this.#child?.pid !== undefined) this.#signalGroup('SIGTERM');
  }

  #armTimeout(): void {
    const { timeoutMs } = this.#task;
    const startedAt = this.#context.now();
    const deadline = startedAt + timeoutMs;
    const warnDelay = Math.floor(timeoutMs * this.#context.warnAt);
    if (warnDelay > 0 && warnDelay < timeoutMs) {
      this.#timers.push(
        setTimeout(() => {
          if (this.#exited) return;
          this.#log?.note(`[claudine] warning: ${Math.round((deadline - this.#context.now()) / 1000)} s left before the timeout`);
          this.#context.onEvent({ kind: 'timeout_warning', at: this.#context.now(), deadline });
        }, warnDelay),
      );
    }
    this.#timers.push(
      setTimeout(() => {
        if (this.#stop !== undefined || this.#exited) return;
        this.#stopWith('timeout', `timed out after ${formatDuration(timeoutMs)}`);
      }, timeoutMs),
    );
  }

  // SIGTERM to the group, then SIGKILL after the grace period if anything is left.
  #signalGroup(signal: 'SIGTERM' | 'SIGKILL', quiet = false): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      return; // The group is gone already.
    }
    if (signal === 'SIGKILL') {
      this.#killed = true;
      if (!quiet) this.#log?.note('[claudine] grace period over; sending SIGKILL');
      return;
    }
    this.#timers.push(
      setTimeout(() => {
        if (!this.#settled) this.#signalGroup('SIGKILL', quiet);
      }, this.#context.graceMs),
    );
  }

  #pipe(child: ChildProcess, stream: 'stdout' | 'stderr'): void {
    const source = child[stream];
    const log = this.#log;
    if (source === null || log === undefined) return;
    log.onDrain(() => {
      if (source.isPaused()) source.resume();
    });
    const decoder = new StringDecoder('utf8');
    let partial = '';
    let skipping = false;
    source.on('data', (chunk: Buffer) => {
      if (!log.write(stream, chunk)) source.pause();
      if (stream !== 'stdout' || this.#parser === null) return;
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (skipping) skipping = false;
        else this.#parser.line(line);
      }
      if (partial.length > MAX_PARSED_LINE) {
        partial = '';
        skipping = true;
      }
    });
    source.on('end', () => {
      if (stream === 'stdout' && this.#parser !== null && partial !== '' && !skipping) this.#parser.line(partial);
    });
  }

  #checkWorkingDirectory(): string | undefined {
    try {
      if (!statSync(this.#task.cwd).isDirectory()) return `the working directory ${this.#task.cwd} is not a directory`;
    } catch {
      return `the working directory ${this.#task.cwd} does not exist (any more): recreate it or submit the task with another --cwd`;
    }
    return undefined;
  }

  #finishWithoutProcess(detail: string): void {
    this.#settled = true;
    this.#context.settle({
      exitCode: null,
      signal: null,
      report: null,
      failure: { reason: 'spawn_error', detail },
      transient: false,
      outputTruncated: false,
    });
  }

  async #complete(exit: { exitCode: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    for (const timer of this.#timers) clearTimeout(timer);
    const report = this.#parser?.finish(exit) ?? null;
    if (this.#spawnError !== undefined) this.#log?.note(`[claudine] ${this.#spawnError}`);
    else this.#log?.note(`[claudine] exited with ${exit.signal === null ? `code ${exit.exitCode}` : `signal ${exit.signal}`}`);
    const summary = await this.#log?.close();
    const result = this.#result(exit, report);
    this.#context.settle({ ...result, outputTruncated: summary !== undefined && summary.truncatedReason !== null });
  }

  #result(exit: { exitCode: number | null; signal: string | null }, report: AgentReport | null): Omit<RunResult, 'outputTruncated'> {
    const base = { exitCode: exit.exitCode, signal: exit.signal, report };
    if (this.#spawnError !== undefined) {
      return { ...base, exitCode: null, failure: { reason: 'spawn_error', detail: this.#spawnError }, transient: false };
    }
    if (this.#stop !== undefined) {
      const killed = this.#killed ? ', killed after the grace period' : '';
      return { ...base, failure: { reason: this.#stop.reason, detail: `${this.#stop.detail}${killed}` }, transient: false };
    }
    if (report?.isError === true) {
      const text = firstLine(report.resultText) ?? report.errorKind ?? 'the agent reported an error';
      return { ...base, failure: { reason: 'agent_error', detail: text }, transient: report.transient };
    }
    if (exit.signal !== null) {
      return { ...base, failure: { reason: 'exit_code', detail: `killed by ${exit.signal}` }, transient: false };
    }
    if (exit.exitCode !== 0) {
      return {
        ...base,
        failure: { reason: 'exit_code', detail: `exited with code ${exit.exitCode}` },
        transient: report?.transient ?? false,
      };
    }
    return { ...base, failure: null, transient: false };
  }
}

function firstLine(text: string | null): string | undefined {
  if (text === null) return undefined;
  const line = text.trim().split('\n')[0]?.trim();
  return line === undefined || line === '' ? undefined : line.slice(0, 500);
}

function quote(argument: string): string {
  if (argument.length > 80) return `'${argument.slice(0, 77)}...'`;
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
