import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { AgentSpawn } from './agent-spawn.js';
import {
  addCounters,
  type BrokerReply,
  type BrokerRequest,
  environmentChanges,
  type ReapedCounters,
  type SpawnMethod,
  ZERO_COUNTERS,
} from './spawn-broker-protocol.js';

/**
 * A process started by the broker, shaped like the parts of a `ChildProcess` the runner uses:
 * `spawn` once it runs and its output is connected (then `pid`, `stdout` and `stderr` are set),
 * `error` when it could not start, `exit` and then `close` once its output has ended. `lost`
 * is true when the broker died while the process ran, so its exit status is unknown. `reaped`
 * comes as soon as the broker reports the exit, with {@link SpawnBroker.reapedCounters}
 * already holding what the process used (`exit` waits for `spawn`, so it may come later).
 */
export class BrokeredProcess extends EventEmitter {
  pid: number | undefined;
  /** The process's start time as the broker read it at once (see `identifyProcess`). */
  startTime: string | null = null;
  stdout: Socket | null = null;
  stderr: Socket | null = null;
  lost = false;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #spawned = false;
  #spawnEmitted = false;
  #openStreams = 2;
  #closed = false;

  /** @internal The broker's answers and the host's accepted streams arrive here. */
  attach(stream: 'stdout' | 'stderr', socket: Socket): void {
    this[stream] = socket;
    const ended = (): void => {
      this.#openStreams -= 1;
      this.#maybeClose();
    };
    // A quick agent's stream may have ended before its run was told which one it was.
    if (socket.closed) queueMicrotask(ended);
    else socket.once('close', ended);
    this.#maybeSpawn();
  }

  /** @internal */
  spawned(pid: number, startTime: string | null): void {
    this.pid = pid;
    this.startTime = startTime;
    this.#spawned = true;
    this.#maybeSpawn();
  }

  /** @internal */
  failed(error: NodeJS.ErrnoException): void {
    this.emit('error', error);
    this.stdout?.destroy();
    this.stderr?.destroy();
    this.#exit = { code: null, signal: null };
    this.#openStreams = 0;
    this.#maybeClose();
  }

  /** @internal */
  exited(code: number | null, signal: NodeJS.Signals | null, lost = false): void {
    if (this.#exit !== undefined) return;
    this.lost = lost;
    this.#exit = { code, signal };
    if (!lost) this.emit('reaped');
    // Never before 'spawn': the runner sets up the run on 'spawn' and winds it down on 'exit'.
    if (this.#spawnEmitted || !this.#spawned) this.emit('exit', code, signal);
    this.#maybeClose();
  }

  #maybeSpawn(): void {
    if (this.#spawnEmitted || !this.#spawned || this.stdout === null || this.stderr === null) return;
    this.#spawnEmitted = true;
    this.emit('spawn');
    // The streams were paused when their header was read, so no output is lost before the
    // runner listens (in its 'spawn' handler): let it flow now.
    this.stdout.resume();
    this.stderr.resume();
    if (this.#exit !== undefined) {
      this.emit('exit', this.#exit.code, this.#exit.signal);
      this.#maybeClose();
    }
  }

  #maybeClose(): void {
    if (this.#closed || this.#exit === undefined || this.#openStreams > 0) return;
    if (this.#spawned && !this.#spawnEmitted) return;
    this.#closed = true;
    this.emit('close', this.#exit.code, this.#exit.signal);
  }
}

/**
 * Starts agent processes from a small helper process instead of from the host. On Linux, Node
 * starts a child with fork(), which copies the parent's page tables: from a host of 70-100 MB
 * that is several milliseconds of its event loop per task. The broker is small and forks on
 * another core. The agent's stdout and stderr are sockets the host reads directly (connected
 * through an abstract Unix socket, authenticated by a random secret sent over the private IPC
 * channel), so output never passes through the broker. Linux only.
 */
export interface SpawnBroker {
  spawn(request: AgentSpawn): BrokeredProcess;
  /** The counters of every process the broker reaped, as of its last report. */
  reapedCounters(): ReapedCounters | null;
  /** How the broker starts agents; null until its process has said (it starts on the first spawn). */
  spawnMethod(): SpawnMethod | null;
  /** Stops the broker (running agents are not touched: they are the host's to stop). */
  close(): void;
}

/** The script the broker runs; from source (tests), the built one next to the sources. */
function brokerEntryPath(): string {
  const here = import.meta.url;
  const entry = here.endsWith('.ts') ? new URL('../../dist/process/spawn-broker-main.js', here) : new URL('./spawn-broker-main.js', here);
  return fileURLToPath(entry);
}

export interface SpawnBrokerOptions {
  /**
   * Start agents by vfork (default), which copies nothing of the broker, where its native
   * module was built and loads; by child_process (a fork of the broker) otherwise or when false.
   */
  readonly vfork?: boolean;
  /** Told how each broker process starts agents, once it is ready (a broker that died is replaced). */
  readonly onReady?: (method: SpawnMethod, pid: number) => void;
}

/** Creates a {@link SpawnBroker}; its process starts on the first spawn and restarts if it dies. */
export function createSpawnBroker(options: SpawnBrokerOptions = {}): SpawnBroker {
  const vfork = options.vfork ?? true;
  let spawnMethod: SpawnMethod | null = null;
  const secret = randomBytes(16).toString('hex');
  const address = `\0claudine-broker-${process.pid}-${randomBytes(6).toString('hex')}`;
  const runs = new Map<number, BrokeredProcess>();
  let nextId = 1;
  let server: Server | undefined;
  let broker: ChildProcess | undefined;
  let ready = false;
  let queue: BrokerRequest[] = [];
  // The environment of the last spawn request made for the current broker: the next request
  // carries only its changes. Undefined when there is no broker yet (the next one gets it whole).
  let lastEnvironment: Readonly<Record<string, string | undefined>> | undefined;
  let reaped: ReapedCounters | null = null;
  let closed = false;

  // Connections from the broker, by the number it announced, until a 'spawned' reply names
  // them as an agent's stdout or stderr; and the other way round, replies that named a
  // connection not yet accepted (the two arrive on different channels, in either order).
  const accepted = new Map<number, Socket>();
  const awaited = new Map<number, (socket: Socket) => void>();

  function listen(): Server {
    if (server !== undefined) return server;
    const created = createServer((socket) => {
      let header = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        header = Buffer.concat([header, chunk]);
        const end = header.indexOf(10);
        if (end === -1) {
          if (header.length > 200) socket.destroy();
          return;
        }
        socket.off('data', onData);
        // Paused until the agent's run listens, so no output is lost before then.
        socket.pause();
        const [given, number] = header.subarray(0, end).toString('latin1').split(' ');
        const id = Number(number);
        if (given !== secret || !Number.isSafeInteger(id)) {
          socket.destroy();
          return;
        }
        const rest = header.subarray(end + 1);
        if (rest.length > 0) socket.unshift(rest);
        const waiting = awaited.get(id);
        if (waiting !== undefined) {
          awaited.delete(id);
          waiting(socket);
          return;
        }
        // Kept even if it closes meanwhile (a quick agent may be done before its 'spawned'
        // reply is read): what it carried is still to be read. An 'error' reply frees it.
        accepted.set(id, socket);
      };
      socket.on('data', onData);
      socket.on('error', () => {
        // The agent's side closed abruptly: its output ends here.
      });
    });
    created.listen(address);
    created.unref();
    server = created;
    return created;
  }

  function connectStream(connection: number, run: BrokeredProcess, stream: 'stdout' | 'stderr'): void {
    const socket = accepted.get(connection);
    if (socket === undefined) {
      awaited.set(connection, (later) => run.attach(stream, later));
      return;
    }
    accepted.delete(connection);
    run.attach(stream, socket);
  }

  function start(): ChildProcess {
    if (broker !== undefined) return broker;
    listen();
    ready = false;
    const child = fork(brokerEntryPath(), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // A small young generation keeps the broker small, which is what makes it fork fast. One
      // V8 worker thread instead of four: stepping into a task's cgroup and back moves every
      // thread of the broker, and each costs the kernel an interrupt to another core.
      execArgv: ['--max-semi-space-size=1', '--v8-pool-size=1'],
      // For the same reason, one libuv pool thread instead of four (Node's module loader starts
      // the pool; the broker's own file work is synchronous). Agents get the environment each
      // request names, not this one.
      env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
      serialization: 'json',
    });
    child.on('message', (reply: BrokerReply) => {
      switch (reply.type) {
        case 'ready':
          ready = true;
          spawnMethod = reply.spawnMethod;
          if (child.pid !== undefined) options.onReady?.(reply.spawnMethod, child.pid);
          if (reply.reaped !== null && reaped === null) reaped = reply.reaped;
          for (const request of queue) child.send(request);
          queue = [];
          break;
        case 'spawned': {
          const run = runs.get(reply.id);
          if (run === undefined) break;
          connectStream(reply.stdout, run, 'stdout');
          connectStream(reply.stderr, run, 'stderr');
          run.spawned(reply.pid, reply.startTime);
          break;
        }
        case 'error': {
          for (const connection of reply.connections) {
            accepted.get(connection)?.destroy();
            accepted.delete(connection);
            awaited.delete(connection);
          }
          const run = runs.get(reply.id);
          runs.delete(reply.id);
          const error = new Error(reply.message) as NodeJS.ErrnoException;
          if (reply.code !== null) error.code = reply.code;
          run?.failed(error);
          break;
        }
        case 'exits':
          // The counters grow as the broker reaps; keep the totals across broker restarts.
          if (reply.reaped !== null) reaped = reply.reaped;
          // A run stays known until it closes: its streams may be accepted after this message.
          for (const exit of reply.exits) runs.get(exit.id)?.exited(exit.code, exit.signal);
          break;
      }
    });
    child.on('exit', () => {
      broker = undefined;
      ready = false;
      // Requests not sent yet were made for this broker (their runs fail below); the next
      // broker starts from an empty environment.
      queue = [];
      lastEnvironment = undefined;
      // Its spare connections serve no one now.
      awaited.clear();
      for (const socket of accepted.values()) socket.destroy();
      accepted.clear();
      // Whatever ran through it can no longer be waited for: its exit status is lost. The
      // runner stops what is left of those trees.
      for (const [id, run] of runs) {
        if (run.pid === undefined)
          run.failed(Object.assign(new Error('the spawn broker exited before the agent started'), { code: 'EBROKER' }));
        else run.exited(null, null, true);
        runs.delete(id);
      }
      // Counters of a new broker start from zero: keep reporting the old totals plus the new.
      if (reaped !== null) base = addCounters(base, reaped);
      reaped = null;
    });
    child.unref();
    child.channel?.unref();
    child.send({ type: 'hello', socket: address, secret, vfork } satisfies BrokerRequest);
    broker = child;
    return child;
  }

  let base: ReapedCounters = ZERO_COUNTERS;

  // Like a child process started directly, a run keeps the event loop alive until it closes;
  // an idle broker does not.
  function keepAlive(): void {
    if (runs.size > 0) broker?.channel?.ref();
    else broker?.channel?.unref();
  }

  return {
    spawn(request) {
      const run = new BrokeredProcess();
      if (closed) {
        queueMicrotask(() => run.failed(Object.assign(new Error('the spawn broker is closed'), { code: 'EBROKER' })));
        return run;
      }
      const id = nextId;
      nextId += 1;
      runs.set(id, run);
      run.once('close', () => {
        runs.delete(id);
        keepAlive();
      });
      const child = start();
      const env = environmentChanges(lastEnvironment, request.env);
      lastEnvironment = request.env;
      const message: BrokerRequest = {
        type: 'spawn',
        env,
        id,
        command: request.command,
        args: request.args,
        cwd: request.cwd,
        stdin: request.stdin,
        cgroup: request.cgroup,
      };
      if (ready) child.send(message);
      else queue.push(message);
      keepAlive();
      return run;
    },
    reapedCounters() {
      return reaped === null ? (base === ZERO_COUNTERS ? null : base) : addCounters(base, reaped);
    },
    spawnMethod() {
      return spawnMethod;
    },
    close() {
      closed = true;
      broker?.disconnect();
      broker = undefined;
      for (const socket of accepted.values()) socket.destroy();
      accepted.clear();
      server?.close();
      server = undefined;
    },
  };
}
