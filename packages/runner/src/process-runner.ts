import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type {
  AgentKind,
  AgentReport,
  OutputEvent,
  ProcessIdentity,
  ProcessRunner,
  RunEvent,
  RunHandle,
  RunOptions,
  RunResult,
  RunTermination,
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
import type { AgentSpawn } from './process/agent-spawn.js';
import { type DeadlineTimer, setDeadlineTimer } from './process/deadline-timer.js';
import { NativeProcess, nativeReapedCounters, nativeSpawner, spawnNatively } from './process/native-process.js';
import type { NativeSpawn } from './process/native-spawn.js';
import { identifyProcess } from './process/process-identity.js';
import type { ProcessTree } from './process/process-tree.js';
import { createProcessTreeWatcher, type ProcessTreeWatcher } from './process/process-tree-watcher.js';
import { BrokeredProcess, createSpawnBroker, type SpawnBroker } from './process/spawn-broker.js';
import type { ReapedCounters, SpawnMethod } from './process/spawn-broker-protocol.js';
import type { TreeTermination, TreeTerminationOutcome } from './process/terminate-process-tree.js';

/** Settings of {@link createProcessRunner}. */
export interface ProcessRunnerOptions {
  /** Where task logs go (one directory per task). */
  readonly logsDirectory: string;
  /** Agent adapters by kind; defaults run `claude`, `codex` and `/bin/sh` from PATH. */
  readonly agents?: Partial<Record<AgentKind, Agent>>;
  /**
   * Environment the agents start from (default `process.env`), as it is when the runner is
   * created; a run given its own (`RunOptions.environment`) uses that instead.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Time between SIGTERM and SIGKILL (default 5000 ms). */
  readonly killGraceMs?: number;
  /** Fraction of the timeout at which a warning is given (default 0.9). */
  readonly warnAtFraction?: number;
  /** Output held in memory per task before the pipe is paused (default 1 MiB). */
  readonly maxBufferedOutputBytes?: number;
  /**
   * Tracks every task's process tree (default: a watcher sampling every 500 ms). Share one to
   * sample trees for other purposes without a second scan.
   */
  readonly treeWatcher?: ProcessTreeWatcher;
  /** Size at which a task's log rolls into a new segment (default 100 MiB). */
  readonly segmentBytes?: number;
  /** Cap on a task's whole log; output beyond it is dropped and counted (default 10 GiB). */
  readonly maxOutputBytesPerTask?: number;
  /** Told when a log segment is opened or closed and when a run's capture ends. Must not throw. */
  readonly onOutputEvent?: (event: OutputEvent) => void;
  /** File operations of the log writer (tests inject failures). */
  readonly logFileSystem?: LogFileSystem;
  /**
   * Who starts the agents: `direct`, the runner's own process; `broker`, a small helper process,
   * so the host's event loop never waits on a fork of its own large process. Default on Linux:
   * `direct` where agents can be started by vfork (which copies nothing of the host), else
   * `broker`; `direct` elsewhere.
   */
  readonly spawner?: 'broker' | 'direct';
  /**
   * Start agents by vfork (default) where the runner's native module was built, which costs far
   * less than child_process's fork; false for child_process always.
   */
  readonly vfork?: boolean;
  /** With the broker: told how each broker process starts agents, once it is ready. */
  readonly onSpawnMethod?: (method: SpawnMethod, brokerPid: number) => void;
  readonly now?: () => number;
}

/** The {@link ProcessRunner} of this package, with what a host needs on its way out. */
export interface NodeProcessRunner extends ProcessRunner {
  /**
   * Freezes and SIGKILLs every process of every run at once, synchronously: for a host that
   * must exit now (a second Ctrl-C, a crash). The runs then settle as their processes go.
   */
  killAll(): void;
  /** Who starts the agents (see `ProcessRunnerOptions.spawner`). */
  readonly spawner: 'broker' | 'direct';
  /**
   * How agents are started: by vfork, or by child_process and why not by vfork. With
   * the broker, null until it has started (on the first task).
   */
  spawnMethod(): SpawnMethod | null;
  /**
   * True when an agent is born in the cgroup given as `RunOptions.cgroup` (created in it, or
   * moved there before it execs); false when the runner ignores that option (child_process
   * from this process: the caller then steps into the cgroup around `start`).
   */
  readonly bornInCgroup: boolean;
  /**
   * Counters of the agents' first processes once reaped (CPU ticks, I/O), summed over every
   * agent so far: kept by the broker when it starts them, or read by this process from each
   * agent just before reaping it when it starts them by vfork. Null when this process starts
   * them by child_process (its own /proc/self counters hold them then, mixed with any other
   * child's) or before the broker reported.
   */
  reapedCounters(): ReapedCounters | null;
  /** Stops the spawn broker, if there is one. Runs still going keep running. */
  close(): void;
}

// Lines longer than this are still logged in full but not parsed for the agent's report.
const MAX_PARSED_LINE = 16 * 1024 * 1024;

/**
 * The {@link ProcessRunner} on Node child processes. Each task runs in its own process group
 * (its own session) and its whole process tree is tracked, including processes that leave the
 * group; its stdout and stderr go to its log with backpressure; its timeout, a cancel or a
 * shutdown sends SIGTERM to the tree and SIGKILL after the grace period; when the agent exits,
 * whatever it left running is stopped the same way, so no orphan outlives its task.
 */
export function createProcessRunner(options: ProcessRunnerOptions): NodeProcessRunner {
  const agents: Record<AgentKind, Agent> = {
    claude: options.agents?.claude ?? createClaudeAgent(),
    codex: options.agents?.codex ?? createCodexAgent(),
    command: options.agents?.command ?? createCommandAgent(),
  };
  // A plain copy, taken once: every task's environment starts from it, and copying
  // `process.env` (each variable a call into the runtime) per task would cost more than the copy.
  const environment = { ...(options.environment ?? process.env) };
  const graceMs = options.killGraceMs ?? 5000;
  const warnAt = options.warnAtFraction ?? 0.9;
  const now = options.now ?? Date.now;
  const watcher = options.treeWatcher ?? createProcessTreeWatcher();
  const runs = new Set<TaskRun>();
  const vfork = options.vfork ?? true;
  // Loaded only where it would be used: the broker loads it in its own process.
  const native = options.spawner === 'broker' || !vfork ? undefined : nativeSpawner();
  const spawner = options.spawner ?? (process.platform !== 'linux' || (native !== undefined && 'spawner' in native) ? 'direct' : 'broker');
  const broker =
    spawner === 'broker'
      ? createSpawnBroker({
          vfork,
          ...(options.onSpawnMethod === undefined ? {} : { onReady: options.onSpawnMethod }),
        })
      : undefined;
  const nativeSpawn = spawner === 'direct' && native !== undefined && 'spawner' in native ? native.spawner : undefined;
  const directMethod: SpawnMethod =
    nativeSpawn !== undefined
      ? { method: 'vfork' }
      : {
          method: 'child_process',
          vforkUnavailable: native === undefined ? 'turned off' : (native as { unavailable: string }).unavailable,
        };

  return {
    spawner,
    bornInCgroup: broker !== undefined || nativeSpawn !== undefined,
    reapedCounters() {
      if (broker !== undefined) return broker.reapedCounters();
      return nativeSpawn === undefined ? null : nativeReapedCounters();
    },
    spawnMethod() {
      return broker === undefined ? directMethod : broker.spawnMethod();
    },
    close() {
      broker?.close();
    },
    killAll() {
      for (const run of runs) run.killNow();
    },
    start(task: Task, runOptions: RunOptions = {}): RunHandle {
      let settle: (result: RunResult) => void = () => {};
      const done = new Promise<RunResult>((resolve) => {
        settle = resolve;
      });
      const run = new TaskRun(task, agents[task.agent], {
        environment: runOptions.environment ?? environment,
        graceMs,
        warnAt,
        now,
        watcher,
        logsDirectory: options.logsDirectory,
        output: {
          ...(options.maxBufferedOutputBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedOutputBytes }),
          ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
          ...(options.maxOutputBytesPerTask === undefined ? {} : { maxLogBytes: options.maxOutputBytesPerTask }),
          ...(options.logFileSystem === undefined ? {} : { fileSystem: options.logFileSystem }),
          ...(options.onOutputEvent === undefined ? {} : { onEvent: options.onOutputEvent }),
        },
        onEvent: runOptions.onEvent ?? (() => {}),
        broker,
        nativeSpawn,
        cgroup: runOptions.cgroup,
        settle: (result) => {
          runs.delete(run);
          settle(result);
        },
      });
      runs.add(run);
      run.begin();
      return {
        done,
        terminate(reason, detail) {
          run.terminate(reason, detail);
        },
        processes() {
          return run.processes();
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
  readonly watcher: ProcessTreeWatcher;
  readonly logsDirectory: string;
  readonly output: Omit<TaskLogWriterOptions, 'directory' | 'taskId' | 'now'>;
  readonly onEvent: (event: RunEvent) => void;
  readonly settle: (result: RunResult) => void;
  /** Starts the agent when set; else the runner starts it itself, by vfork with `nativeSpawn`. */
  readonly broker: SpawnBroker | undefined;
  readonly nativeSpawn: NativeSpawn | undefined;
  /** The cgroup the agent is born in (see `RunOptions.cgroup`). */
  readonly cgroup: string | undefined;
}

type StopReason = TerminationReason | 'timeout';

// The agent's process, started directly (by child_process or by vfork) or by the spawn broker.
type AgentProcess = ChildProcess | NativeProcess | BrokeredProcess;

// After its processes are gone, the agent's pipes close at once; if something we could not
// kill still holds them, stop reading after this long rather than never finishing.
const CLOSE_WAIT_MS = 1000;

class TaskRun {
  readonly #task: Task;
  readonly #agent: Agent;
  readonly #context: TaskRunContext;
  #child: AgentProcess | undefined;
  #log: TaskLogWriter | undefined;
  #parser: AgentReportParser | null = null;
  #stop: { reason: StopReason; detail: string } | undefined;
  #tree: ProcessTree | undefined;
  #termination: { reason: RunTermination['reason']; deadline: number | null; handle: TreeTermination } | undefined;
  #terminated: TreeTerminationOutcome | undefined;
  #exit: { exitCode: number | null; signal: NodeJS.Signals | null } | undefined;
  #exited = false;
  #settled = false;
  #spawnError: string | undefined;
  #announcedSession: string | null = null;
  #deadline: number | undefined;
  readonly #timers: DeadlineTimer[] = [];

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
    // The built-in agents set the marker already (taskEnvironment): no copy then.
    const environment = invocation.env.CLAUDINE_TASK_ID === task.id ? invocation.env : { ...invocation.env, CLAUDINE_TASK_ID: task.id };
    const request: AgentSpawn = {
      command: invocation.command,
      args: invocation.args,
      cwd: task.cwd,
      env: environment,
      stdin: invocation.stdin,
      cgroup: this.#context.cgroup ?? null,
    };
    const { broker, nativeSpawn } = this.#context;
    // Started by the broker or on the thread pool: the process exists once it says so, with its
    // output connected and its prompt on its way.
    const started = broker?.spawn(request) ?? (nativeSpawn === undefined ? undefined : spawnNatively(nativeSpawn, request));
    if (started !== undefined) {
      this.#child = started;
      this.#listen(started, invocation.command);
      started.once('spawn', () => {
        if (started.pid !== undefined) this.#started(started, started.pid, null);
      });
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(invocation.command, [...invocation.args], {
        cwd: task.cwd,
        // The task id marks every process of the task, even one that leaves the tree.
        env: environment as NodeJS.ProcessEnv,
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
    this.#listen(child, invocation.command);
    if (child.pid === undefined) return;
    this.#started(child, child.pid, invocation.stdin);
  }

  #listen(child: AgentProcess, command: string): void {
    const task = this.#task;
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined && this.#spawnError === undefined && error.code !== 'ENOENT') return;
      this.#spawnError =
        error.code === 'ENOENT'
          ? `could not start ${command}: not found. Install it or set its path in the configuration (agents.${task.agent}.command).`
          : `could not start ${command}: ${error.message}`;
    });
    child.on('exit', () => this.#onExit());
    // Reported at once (a brokered exit may reach 'exit' only later): what the process used is
    // in its reaper's counters from now on, and metrics attribute it by this.
    const reaped = (): void => this.#context.onEvent({ kind: 'reaped', at: this.#context.now() });
    if (child instanceof BrokeredProcess) child.once('reaped', reaped);
    else child.once('exit', reaped);
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.#exit = { exitCode: code, signal };
      this.#maybeComplete();
    });
  }

  // The agent runs: track its tree, report it, feed it its prompt, read its output, start the
  // clock of its timeout. `stdin` is null when the prompt was already given (by the broker or
  // the native start).
  #started(child: AgentProcess, pid: number, stdin: string | null): void {
    const task = this.#task;
    const identity =
      (child instanceof BrokeredProcess || child instanceof NativeProcess) && child.startTime !== null
        ? { pid, startTime: child.startTime }
        : (identifyProcess(pid) ?? { pid, startTime: null });
    // Only just started: any child it has already started carries the marker, and the next
    // sample (at the latest when the agent exits or is stopped) finds it.
    this.#tree = this.#context.watcher.track(identity, { marker: task.id, sampleNow: false });
    this.#context.onEvent({ kind: 'started', process: identity, at: this.#context.now() });
    if (!(child instanceof BrokeredProcess || child instanceof NativeProcess) && child.stdin !== null) {
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
      this.#context.onEvent({ kind: 'terminating', reason, at: termAt });
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
    // Whatever the agent left behind, in its group or not, goes with it.
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
          this.#context.onEvent({ kind: 'timeout_warning', at: this.#context.now(), deadline });
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

  #pipe(child: AgentProcess, stream: 'stdout' | 'stderr'): void {
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
      this.#announceSession();
      if (partial.length > MAX_PARSED_LINE) {
        partial = '';
        skipping = true;
      }
    });
    source.on('end', () => {
      if (stream === 'stdout' && this.#parser !== null && partial !== '' && !skipping) this.#parser.line(partial);
    });
  }

  // The agent's session, reported once when it first appears (and again if it changes).
  #announceSession(): void {
    const sessionId = this.#parser?.sessionId?.() ?? null;
    if (sessionId === null || sessionId === this.#announcedSession) return;
    this.#announcedSession = sessionId;
    this.#context.onEvent({ kind: 'session', sessionId, at: this.#context.now() });
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
      termination: null,
    });
  }

  async #complete(exit: { exitCode: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    for (const timer of this.#timers) timer.cancel();
    this.#tree?.release();
    const report = this.#parser?.finish(exit) ?? null;
    if (this.#spawnError !== undefined) this.#log?.note(`[claudine] ${this.#spawnError}`);
    else this.#log?.note(`[claudine] exited with ${exit.signal === null ? `code ${exit.exitCode}` : `signal ${exit.signal}`}`);
    const summary = await this.#log?.close();
    const result = this.#result(exit, report);
    this.#context.settle({
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

  #result(
    exit: { exitCode: number | null; signal: string | null },
    report: AgentReport | null,
  ): Omit<RunResult, 'outputTruncated' | 'termination'> {
    const base = { exitCode: exit.exitCode, signal: exit.signal, report };
    if (this.#spawnError !== undefined) {
      return { ...base, exitCode: null, failure: { reason: 'spawn_error', detail: this.#spawnError }, transient: false };
    }
    if (this.#stop !== undefined) {
      const outcome = this.#terminated;
      const killed = outcome?.killAt != null ? ', killed after the grace period' : '';
      const outside = outcome === undefined ? 0 : Math.max(outcome.term.outsideGroup, outcome.kill?.outsideGroup ?? 0);
      const escaped = outside > 0 ? ` (with ${plural(outside, 'process')} that had left its process group)` : '';
      return { ...base, failure: { reason: this.#stop.reason, detail: `${this.#stop.detail}${killed}${escaped}` }, transient: false };
    }
    if (report?.isError === true) {
      const text = firstLine(report.resultText) ?? report.errorKind ?? 'the agent reported an error';
      return { ...base, failure: { reason: 'agent_error', detail: text }, transient: report.transient };
    }
    if (this.#child instanceof BrokeredProcess && this.#child.lost) {
      const detail = "Claudine's spawn broker exited while the task ran, so its exit status is unknown; what was left of it was stopped";
      return { ...base, failure: { reason: 'crashed', detail }, transient: false };
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

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : noun.endsWith('s') ? 'es' : 's'}`;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
