// Agents started by vfork from the runner's own process (the native module of native-spawn.ts),
// shaped like the parts of a ChildProcess the runner uses. A vfork copies nothing of its
// caller, so a large host starts an agent as cheaply as a small process would, and the start
// runs on libuv's thread pool, so the event loop never waits for it: no spawn broker, and no
// hop between processes for the start or the exit.

import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { AgentSpawn } from './agent-spawn.js';
import { openCgroup } from './cgroup-v2.js';
import { loadNativeSpawn, type NativeSpawn } from './native-spawn.js';
import { readBootId } from './process-status.js';
import { addCounters, type ReapedCounters, ZERO_COUNTERS } from './spawn-broker-protocol.js';

/**
 * A process started by vfork, shaped like a ChildProcess: `spawn` once it runs (then `pid`,
 * `startTime`, `stdout` and `stderr` are set, and its prompt is on its way), or `error` when it
 * could not start; then `exit` (once reaped) and `close` (once its output has ended too).
 */
export class NativeProcess extends EventEmitter {
  pid: number | undefined;
  /** The process's start time, read before it could be reaped (see `identifyProcess`). */
  startTime: string | null = null;
  stdout: Socket | null = null;
  stderr: Socket | null = null;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #openStreams = 0;
  #closed = false;

  /** @internal */
  started(pid: number, startTicks: number | null, stdout: number, stderr: number): void {
    this.pid = pid;
    this.startTime = startTicks === null ? null : `${readBootId()}:${startTicks}`;
    this.stdout = this.#output(stdout);
    this.stderr = this.#output(stderr);
    this.emit('spawn');
  }

  /** @internal */
  failed(error: Error): void {
    this.emit('error', error);
    this.#exit = { code: null, signal: null };
    this.#maybeClose();
  }

  /** @internal */
  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exit = { code, signal };
    this.emit('exit', code, signal);
    this.#maybeClose();
  }

  #output(fd: number): Socket {
    const socket = new Socket({ fd, readable: true, writable: false });
    this.#openStreams += 1;
    socket.once('close', () => {
      this.#openStreams -= 1;
      this.#maybeClose();
    });
    return socket;
  }

  #maybeClose(): void {
    if (this.#closed || this.#exit === undefined || this.#openStreams > 0) return;
    this.#closed = true;
    this.emit('close', this.#exit.code, this.#exit.signal);
  }
}

// The module, loaded once per process: it tells one function of every exit.
let loaded: { spawner: NativeSpawn } | { unavailable: string } | undefined;
const running = new Map<number, NativeProcess>();
// What every process started here used, summed as each was reaped.
let reaped: ReapedCounters = ZERO_COUNTERS;

/**
 * The counters of every process started by {@link spawnNatively} and reaped so far, summed (each
 * read just before it was reaped): the growth between two reads is exactly what the processes
 * reaped in between used, with nothing else this process waited for.
 */
export function nativeReapedCounters(): ReapedCounters {
  return reaped;
}

/** The native spawner of this process, or why there is none (see `loadNativeSpawn`). */
export function nativeSpawner(): { spawner: NativeSpawn } | { unavailable: string } {
  if (loaded !== undefined) return loaded;
  loaded = loadNativeSpawn();
  if ('spawner' in loaded) {
    loaded.spawner.onExit((pid, code, signal, usage) => {
      const child = running.get(pid);
      if (child === undefined) return;
      running.delete(pid);
      if (usage !== null) reaped = addCounters(reaped, usage);
      child.exited(code, signal);
    });
  }
  return loaded;
}

/**
 * Starts `request` by vfork, on the thread pool. The agent's stdin, stdout and stderr are pipes
 * (blocking on its side); it runs in a new session, with default signal dispositions, born in
 * `request.cgroup` when that can be entered. Never throws: a failure to start is the process's
 * `error` event.
 */
export function spawnNatively(spawner: NativeSpawn, request: AgentSpawn): NativeProcess {
  const child = new NativeProcess();
  const variables: string[] = [];
  for (const key of Object.keys(request.env)) {
    const value = request.env[key];
    if (value !== undefined) variables.push(`${key}=${value}`);
  }
  // Ours: the read ends of stdout and stderr and the write end of stdin. The child's: the rest,
  // closed here once it has its copies.
  const ours: number[] = [];
  const theirs: number[] = [];
  const fail = (error: Error): void => {
    for (const fd of [...ours, ...theirs]) closeSync(fd);
    process.nextTick(() => child.failed(error));
  };
  // One pipe at a time, each end filed at once: a pipe that cannot be made (out of descriptors)
  // leaves none of the earlier ones open.
  const pipe = (ourEnd: 0 | 1): [number, number] => {
    const ends = spawner.pipe();
    ours.push(ends[ourEnd]);
    theirs.push(ends[1 - ourEnd] as number);
    return ends;
  };
  let ends: { stdin: [number, number] | null; stdout: [number, number]; stderr: [number, number] };
  try {
    ends = { stdin: request.stdin === null ? null : pipe(1), stdout: pipe(0), stderr: pipe(0) };
  } catch (error) {
    fail(error as Error);
    return child;
  }
  const cgroup = request.cgroup === null ? null : openCgroup(request.cgroup, 'directory');
  if (cgroup !== null) theirs.push(cgroup);
  try {
    spawner.spawnAsync(
      {
        command: request.command,
        args: request.args,
        env: variables,
        cwd: request.cwd,
        stdin: ends.stdin?.[0] ?? null,
        stdout: ends.stdout[1],
        stderr: ends.stderr[1],
        cgroup,
      },
      (result) => {
        if ('error' in result) {
          for (const fd of [...ours, ...theirs]) closeSync(fd);
          child.failed(result.error);
          return;
        }
        for (const fd of theirs) closeSync(fd);
        running.set(result.pid, child);
        if (ends.stdin !== null) {
          const stdin = new Socket({ fd: ends.stdin[1], readable: false, writable: true });
          stdin.on('error', () => {
            // The agent exited without reading all of its prompt; its exit status says why.
          });
          stdin.end(request.stdin ?? '');
        }
        child.started(result.pid, result.startTicks, ends.stdout[0], ends.stderr[0]);
      },
    );
  } catch (error) {
    // Not even queued (arguments refused, or the pool could not take it).
    fail(error as Error);
  }
  return child;
}
