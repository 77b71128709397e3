import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  type AgentReport,
  formatDuration,
  notStartedResult,
  type ProcessIdentity,
  type RunEvent,
  type RunResult,
  type RunTermination,
  type Task,
  type TerminationReason,
} from '@claudine/core';
import type { Agent, AgentReportParser } from '../agents/agent.js';
import { taskLogDirectory } from '../output/log-paths.js';
import { createTaskLogWriter, type TaskLogWriter, type TaskLogWriterOptions } from '../output/task-log-writer.js';
import { type DeadlineTimer, setDeadlineTimer } from '../process/deadline-timer.js';
import { identifyProcess } from '../process/process-identity.js';
import type { ProcessTree } from '../process/process-tree.js';
import type { ProcessTreeWatcher } from '../process/process-tree-watcher.js';
import type { RunCgroups } from '../process/run-cgroups.js';
import type { TreeTermination, TreeTerminationOutcome } from '../process/terminate-process-tree.js';
import { LastLine } from './last-line.js';
import { plural, runOutcome, type StopReason } from './run-outcome.js';
import { startAgent } from './start-agent.js';
import { checkWorkingDirectory, describeStartError, quote, SCRIPT_FILE, writeScript } from './start-preparation.js';

/** What every run of one runner shares. */
export interface TaskRunContext {
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly graceMs: number;
  readonly warnAt: number;
  readonly now: () => number;
  readonly watcher: ProcessTreeWatcher;
  readonly logsDirectory: string;
  readonly output: Omit<TaskLogWriterOptions, 'directory' | 'taskId' | 'now'>;
  readonly cgroups: RunCgroups | undefined;
}

// Lines longer than this are still logged in full but not parsed for the agent's report.
const MAX_PARSED_LINE = 16 * 1024 * 1024;
// After its processes are gone, the agent's pipes close at once; if something we could not
// kill still holds them, stop reading after this long rather than never finishing.
const CLOSE_WAIT_MS = 1000;

type Exit = { exitCode: number | null; signal: NodeJS.Signals | null };

/**
 * One run of a task: its log, its agent's process and tree, its timeout, its termination and
 * its result. `begin` starts it; `settle` is called once, when every process of it is gone and
 * its output is on disk.
 */
export class TaskRun {
  readonly #task: Task;
  readonly #agent: Agent;
  readonly #context: TaskRunContext;
  readonly #onEvent: (event: RunEvent) => void;
  readonly #settle: (result: RunResult) => void;
  #child: ChildProcess | undefined;
  #log: TaskLogWriter | undefined;
  #script: string | undefined;
  #parser: AgentReportParser | null = null;
  readonly #stderr = new LastLine();
  #stop: { reason: StopReason; detail: string } | undefined;
  #tree: ProcessTree | undefined;
  #termination: { reason: RunTermination['reason']; deadline: number | null; handle: TreeTermination } | undefined;
  #terminated: TreeTerminationOutcome | undefined;
  #exit: Exit | undefined;
  #exited = false;
  #settled = false;
  #spawnError: string | undefined;
  #announcedSession: string | null = null;
  #deadline: number | undefined;
  readonly #timers: DeadlineTimer[] = [];

  constructor(task: Task, agent: Agent, context: TaskRunContext, onEvent: (event: RunEvent) => void, settle: (result: RunResult) => void) {
    this.#task = task;
    this.#agent = agent;
    this.#context = context;
    this.#onEvent = onEvent;
    this.#settle = settle;
  }

  begin(): void {
    const task = this.#task;
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
    const failure = checkWorkingDirectory(task.cwd);
    if (failure !== undefined) {
      this.#failStart(failure);
      return;
    }
    const invocation = this.#agent.invocation(task, this.#context.environment);
    this.#parser = this.#agent.createParser();
    const script = invocation.script === undefined ? undefined : join(taskLogDirectory(this.#context.logsDirectory, task.id), SCRIPT_FILE);
    const args = script === undefined ? invocation.args : [...invocation.args, script];
    const shown = invocation.script === undefined ? '' : ` (the task's command, ${invocation.script.length} characters)`;
    this.#log.note(`[claudine] attempt ${task.attempt}: ${invocation.command} ${args.map(quote).join(' ')}${shown}`);
    if (script !== undefined && invocation.script !== undefined) {
      try {
        writeScript(script, invocation.script);
        this.#script = script;
      } catch (error) {
        this.#failStart(`could not write the command to ${script}: ${(error as Error).message}`);
        return;
      }
    }
    // The built-in agents set the marker already (taskEnvironment): no copy then.
    const environment = invocation.env.CLAUDINE_TASK_ID === task.id ? invocation.env : { ...invocation.env, CLAUDINE_TASK_ID: task.id };
    const cgroup = this.#context.cgroups?.reserve(task.id);
    let child: ChildProcess;
    try {
      child = startAgent({
        command: invocation.command,
        args,
        cwd: task.cwd,
        env: environment,
        stdinPipe: invocation.stdin !== null,
        cgroup,
      });
    } catch (error) {
      this.#failStart(describeStartError(invocation.command, task.agent, error as NodeJS.ErrnoException));
      return;
    }
    this.#child = child;
    this.#listen(child, invocation.command);
    if (child.pid === undefined) return;
    this.#started(child, child.pid, invocation.stdin, cgroup);
  }

  #listen(child: ChildProcess, command: string): void {
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined && this.#spawnError === undefined && error.code !== 'ENOENT') return;
      this.#spawnError = describeStartError(command, this.#task.agent, error);
    });
    child.on('exit', () => this.#onExit());
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.#exit = { exitCode: code, signal };
      this.#maybeComplete();
    });
  }

  // The agent runs: track its tree, report it, feed it its prompt, read its output, start the
  // clock of its timeout.
  #started(child: ChildProcess, pid: number, stdin: string | null, cgroup: string | undefined): void {
    const task = this.#task;
    const identity = identifyProcess(pid) ?? { pid, startTime: null };
    // Only just started: any child it has already started carries the marker, and the next
    // sample (at the latest when the agent exits or is stopped) finds it.
    this.#tree = this.#context.watcher.track(identity, { marker: task.id, sampleNow: false, ...(cgroup === undefined ? {} : { cgroup }) });
    this.#onEvent({ kind: 'started', process: identity, at: this.#context.now() });
    if (child.stdin !== null) {
      child.stdin.on('error', () => {
        // The agent exited without reading all of stdin; its exit status tells the story.
      });
      child.stdin.end(stdin ?? '');
    }
    this.#pipe(child, 'stdout');
    this.#pipe(child, 'stderr');
    this.#armTimeout();
    if (this.#stop !== undefined) this.#startTermination(this.#stop.reason, this.#stop.detail);
  }

  terminate(reason: TerminationReason, detail?: string): void {
    if (this.#stop !== undefined || this.#settled || this.#exited) return;
    const text = detail ?? (reason === 'cancelled' ? 'cancelled on request' : 'the host is shutting down');
    this.#stopWith(reason, text);
  }

  /** SIGKILL now to whatever runs, skipping any grace period (the host must exit). */
  killNow(): void {
    if (this.#settled || this.#tree === undefined) return;
    if (this.#termination === undefined) {
      if (this.#exited) this.#startTermination('leftovers', 'the agent exited');
      else {
        this.#stop ??= { reason: 'shutdown', detail: 'the host had to exit at once' };
        this.#startTermination(this.#stop.reason, this.#stop.detail);
      }
    }
    this.#termination?.handle.killNow();
  }

  processes(): readonly ProcessIdentity[] {
    if (this.#settled || this.#tree === undefined) return [];
    return this.#tree.members().map((member) => ({ pid: member.pid, startTime: member.startTime }));
  }

  #stopWith(reason: StopReason, detail: string): void {
    this.#stop = { reason, detail };
    for (const timer of this.#timers) timer.cancel();
    if (this.#tree !== undefined) this.#startTermination(reason, detail);
  }

  // SIGTERM to the tree now, SIGKILL to what is left after the grace period.
  #startTermination(reason: RunTermination['reason'], detail: string): void {
    const tree = this.#tree;
    if (tree === undefined || this.#termination !== undefined) return;
    const graceMs = this.#context.graceMs;
    const handle = tree.terminate({
      graceMs,
      now: this.#context.now,
      onKill: (report) => {
        const outside = report.outsideGroup > 0 ? ` (${report.outsideGroup} outside its process group)` : '';
        this.#log?.note(
          `[claudine] grace period of ${formatDuration(graceMs)} over; SIGKILL sent to ${plural(report.processes, 'process')}${outside}`,
        );
      },
    });
    this.#termination = { reason, deadline: reason === 'timeout' ? (this.#deadline ?? null) : null, handle };
    const { termAt, term } = handle;
    const outside = term.outsideGroup > 0 ? `, ${term.outsideGroup} of them outside its process group` : '';
    const sent = `SIGTERM sent to ${plural(term.processes, 'process')}${outside}`;
    if (reason === 'leftovers') this.#log?.note(`[claudine] the agent exited and left processes running; ${sent}`);
    else {
      this.#log?.note(`[claudine] stopping (${reason}): ${detail}; ${sent}`);
      this.#onEvent({ kind: 'terminating', reason, at: termAt });
    }
    void handle.done.then((outcome) => {
      this.#terminated = outcome;
      if (outcome.survivors.length > 0) {
        this.#log?.note(
          `[claudine] could not stop ${outcome.survivors.map((survivor) => survivor.pid).join(', ')}: not ours to kill, or stuck in the kernel`,
        );
      }
      this.#maybeComplete();
      // Something we could not kill may still hold the pipes: stop waiting for them.
      const closeTimer = setTimeout(() => {
        this.#child?.stdout?.destroy();
        this.#child?.stderr?.destroy();
        this.#exit ??= { exitCode: null, signal: null };
        this.#maybeComplete();
      }, CLOSE_WAIT_MS);
      closeTimer.unref();
    });
  }

  #onExit(): void {
    this.#exited = true;
    for (const timer of this.#timers) timer.cancel();
    if (this.#termination !== undefined || this.#tree === undefined) return;
    // Whatever the agent left behind, in its group, its cgroup or neither, goes with it.
    if (this.#tree.refresh({ force: 'turn' }).length > 0) this.#startTermination('leftovers', 'the agent exited');
  }

  #maybeComplete(): void {
    if (this.#settled || this.#exit === undefined) return;
    if (this.#termination !== undefined && this.#terminated === undefined) return;
    void this.#complete(this.#exit);
  }

  #armTimeout(): void {
    const { timeoutMs } = this.#task;
    const startedAt = this.#context.now();
    const deadline = startedAt + timeoutMs;
    this.#deadline = deadline;
    const warnDelay = Math.floor(timeoutMs * this.#context.warnAt);
    if (warnDelay > 0 && warnDelay < timeoutMs) {
      this.#timers.push(
        setDeadlineTimer(() => {
          if (this.#exited || this.#stop !== undefined) return;
          this.#log?.note(`[claudine] warning: ${formatDuration(timeoutMs - warnDelay)} left before the timeout`);
          this.#onEvent({ kind: 'timeout_warning', at: this.#context.now(), deadline });
        }, warnDelay),
      );
    }
    this.#timers.push(
      setDeadlineTimer(() => {
        if (this.#stop !== undefined || this.#exited) return;
        this.#stopWith('timeout', `timed out after ${formatDuration(timeoutMs)}`);
      }, timeoutMs),
    );
  }

  #pipe(child: ChildProcess, stream: 'stdout' | 'stderr'): void {
    const source = child[stream];
    const log = this.#log;
    if (source === null || log === undefined) return;
    log.onDrain(() => {
      if (source.isPaused()) source.resume();
    });
    if (stream === 'stderr') {
      source.on('data', (chunk: Buffer) => {
        if (!log.write(stream, chunk)) source.pause();
        this.#stderr.add(chunk);
      });
      return;
    }
    const decoder = new StringDecoder('utf8');
    let partial = '';
    let skipping = false;
    source.on('data', (chunk: Buffer) => {
      if (!log.write(stream, chunk)) source.pause();
      if (this.#parser === null) return;
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (skipping) skipping = false;
        else this.#parser.line(line);
      }
      this.#announceSession();
      if (partial.length > MAX_PARSED_LINE) {
        partial = '';
        skipping = true;
      }
    });
    source.on('end', () => {
      if (this.#parser !== null && partial !== '' && !skipping) this.#parser.line(partial);
    });
  }

  // The agent's session, reported once when it first appears (and again if it changes).
  #announceSession(): void {
    const sessionId = this.#parser?.sessionId?.() ?? null;
    if (sessionId === null || sessionId === this.#announcedSession) return;
    this.#announcedSession = sessionId;
    this.#onEvent({ kind: 'session', sessionId, at: this.#context.now() });
  }

  // The agent did not start: the reason goes to the log too, so `claudine logs` says it.
  #failStart(reason: string): void {
    this.#spawnError = reason;
    void this.#complete({ exitCode: null, signal: null });
  }

  #finishWithoutProcess(detail: string): void {
    this.#settled = true;
    this.#settle(notStartedResult(detail));
  }

  async #complete(exit: Exit): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    for (const timer of this.#timers) timer.cancel();
    this.#tree?.release();
    if (this.#script !== undefined) rmSync(this.#script, { force: true });
    const report: AgentReport | null = this.#parser?.finish(exit) ?? null;
    if (this.#spawnError !== undefined) this.#log?.note(`[claudine] ${this.#spawnError}`);
    else this.#log?.note(`[claudine] exited with ${exit.signal === null ? `code ${exit.exitCode}` : `signal ${exit.signal}`}`);
    const summary = await this.#log?.close();
    const result = runOutcome({
      exit,
      report,
      spawnError: this.#spawnError,
      stop: this.#stop,
      terminated: this.#terminated,
      lastErrorLine: this.#stderr.value,
    });
    this.#settle({
      ...result,
      outputTruncated: summary !== undefined && summary.truncatedReason !== null,
      termination: this.#terminationRecord(),
    });
  }

  #terminationRecord(): RunTermination | null {
    const started = this.#termination;
    const outcome = this.#terminated;
    if (started === undefined || outcome === undefined) return null;
    return {
      reason: started.reason,
      deadline: started.deadline,
      termAt: outcome.termAt,
      killAt: outcome.killAt,
      goneAt: outcome.goneAt,
      terminated: outcome.term.processes,
      outsideGroup: Math.max(outcome.term.outsideGroup, outcome.kill?.outsideGroup ?? 0),
      killed: outcome.kill?.processes ?? 0,
      survivors: outcome.survivors,
    };
  }
}
