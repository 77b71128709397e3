// The spawn broker: a small process that starts agent processes for a host. A host is a large
// Node process, and on Linux Node starts a child with fork(), whose cost grows with the size of
// the process that forks (its page tables are copied): a few milliseconds for a host, blocking
// its event loop each time. The broker stays small and starts agents on its own core: by vfork
// where its native module loaded (native-spawn.ts: clone with CLONE_VM | CLONE_VFORK, as
// posix_spawn does, which copies nothing), else by child_process (a fork of this small process).
// See spawn-broker.ts for the protocol.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { cgroupV2Of, openCgroup } from './cgroup-v2.js';
import { loadNativeSpawn, type NativeSpawn } from './native-spawn.js';
import { identifyProcess } from './process-identity.js';
import { applyEnvironmentChanges, type BrokerReply, type BrokerRequest, type ReapedCounters } from './spawn-broker-protocol.js';

let address: { socket: string; secret: string } | undefined;
// The environment of the last spawn request: each request says how the next differs from it.
let environment: Record<string, string> | undefined;
// The agents started by child_process, by request id (kept until they exit).
const children = new Map<number, ChildProcess>();
// The native module (vfork), once the host said to use it and it loaded; and the agents it started,
// their request ids by pid.
let native: NativeSpawn | undefined;
const nativeChildren = new Map<number, number>();

function send(reply: BrokerReply): void {
  process.send?.(reply);
}

// The counters of the processes this broker has waited for: what every agent it reaped used
// over its whole life. CPU from /proc/self/stat (cutime, cstime); I/O from /proc/self/io, which
// adds them to the live threads' counters. Only the main thread reads or writes files here (the
// broker uses no thread pool; V8's worker threads do no I/O), so its counters, read first, are
// all there is to subtract.
//
// The exits of one turn go to the host in one message, with the counters read once after them.
// An exited child is reaped only just before its exit is reported (by Node before it runs the
// exit handlers, by the native module before it calls back), and the flush runs after every
// callback of the turn, so that reading holds exactly the agents reported so far.
let exits: Array<{ id: number; code: number | null; signal: NodeJS.Signals | null }> = [];

function reportExit(id: number, code: number | null, signal: NodeJS.Signals | null): void {
  exits.push({ id, code, signal });
  if (exits.length > 1) return;
  setImmediate(() => {
    const batch = exits;
    exits = [];
    send({ type: 'exits', exits: batch, reaped: readReapedCounters() });
  });
}

function readReapedCounters(): ReapedCounters | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const thread = readIo('/proc/thread-self/io');
    const io = readIo('/proc/self/io');
    for (const key of Object.keys(io) as Array<keyof typeof io>) io[key] -= thread[key];
    return { userTicks: Number(fields[13]), systemTicks: Number(fields[14]), ...io };
  } catch {
    return null;
  }
}

type IoCounters = { -readonly [Key in Exclude<keyof ReapedCounters, 'userTicks' | 'systemTicks'>]: number };

function readIo(path: string): IoCounters {
  const values = new Map<string, number>();
  for (const line of readFileSync(path, 'latin1').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) values.set(line.slice(0, colon), Number(line.slice(colon + 1)));
  }
  const field = (name: string): number => values.get(name) ?? 0;
  return {
    readChars: field('rchar'),
    writtenChars: field('wchar'),
    readCalls: field('syscr'),
    writeCalls: field('syscw'),
    readBytes: field('read_bytes'),
    writeBytes: field('write_bytes'),
    cancelledWriteBytes: field('cancelled_write_bytes'),
  };
}

// Connections to the host, each announced by the secret and a number of its own. An agent's
// stdout and stderr are two of them; the reply that reports the agent names which. A few are
// kept connected ahead of time, so that starting an agent does not wait for the host to accept.
const SPARE_CONNECTIONS = 4;
const spare: Array<{ readonly id: number; readonly socket: Socket }> = [];
let nextConnection = 1;
let connecting = 0;

function connectToHost(): Promise<{ id: number; socket: Socket }> {
  const target = address;
  if (target === undefined) return Promise.reject(new Error('the broker was not told where the host listens'));
  const id = nextConnection;
  nextConnection += 1;
  return new Promise((resolve, reject) => {
    const socket = connect(target.socket, () => {
      socket.write(`${target.secret} ${id}\n`, () => resolve({ id, socket }));
    });
    socket.once('error', reject);
  });
}

function takeConnection(): Promise<{ id: number; socket: Socket }> {
  return Promise.resolve(spare.shift() ?? connectToHost());
}

// Tops the spare connections up, in the background.
function replenish(): void {
  while (address !== undefined && spare.length + connecting < SPARE_CONNECTIONS) {
    connecting += 1;
    connectToHost().then(
      (connection) => {
        connecting -= 1;
        spare.push(connection);
        // One the host closed meanwhile must never be handed to an agent.
        connection.socket.on('error', () => {});
        connection.socket.once('close', () => {
          const index = spare.indexOf(connection);
          if (index !== -1) spare.splice(index, 1);
        });
      },
      () => {
        // The host is going away; the next spawn connects on demand and reports the error.
        connecting -= 1;
      },
    );
  }
}

// The cgroup.procs file of the broker's own cgroup v2 group: where it returns after a spawn.
// Read once, and again after stepping back failed.
let ownCgroupProcs: string | undefined;

function currentCgroupProcs(): string | undefined {
  ownCgroupProcs ??= readCgroupProcs();
  return ownCgroupProcs;
}

function readCgroupProcs(): string | undefined {
  const own = cgroupV2Of('self');
  return own === undefined ? undefined : join(own.directory, 'cgroup.procs');
}

// Moves the broker into `cgroup` (see openCgroup).
function enter(cgroup: string): boolean {
  const procs = openCgroup(cgroup, 'procs');
  if (procs === null) return false;
  try {
    writeSync(procs, String(process.pid));
    return true;
  } catch {
    return false;
  } finally {
    closeSync(procs);
  }
}

type SpawnRequest = Extract<BrokerRequest, { type: 'spawn' }>;

async function start(request: SpawnRequest): Promise<void> {
  // Before any await: requests must be applied in the order they came.
  environment = applyEnvironmentChanges(environment, request.env);
  const env = environment;
  let streams: Array<{ id: number; socket: Socket }>;
  try {
    streams = await Promise.all([takeConnection(), takeConnection()]);
  } catch (error) {
    send({
      type: 'error',
      id: request.id,
      code: null,
      message: `could not connect the agent's output: ${(error as Error).message}`,
      connections: [],
    });
    return;
  } finally {
    replenish();
  }
  const [out, err] = streams as [{ id: number; socket: Socket }, { id: number; socket: Socket }];
  const stdout = out.socket;
  const stderr = err.socket;
  let started: { pid: number; stdin: Writable | null } | undefined;
  try {
    started = native === undefined ? startWithChildProcess(request, env, out, err) : startNatively(native, request, env, stdout, stderr);
  } catch (error) {
    // Never given to a process: they serve the next one.
    spare.push(out, err);
    send({
      type: 'error',
      id: request.id,
      code: (error as NodeJS.ErrnoException).code ?? null,
      message: (error as Error).message,
      connections: [],
    });
    return;
  }
  // The child holds its own copies of the sockets.
  stdout.destroy();
  stderr.destroy();
  if (started === undefined) {
    // child_process reports a failed start as an 'error' event, sent on from there.
    return;
  }
  // Read now: the child cannot be reaped before this turn ends, so even one that exits at once
  // is still there to be identified.
  send({
    type: 'spawned',
    id: request.id,
    pid: started.pid,
    startTime: identifyProcess(started.pid)?.startTime ?? null,
    stdout: out.id,
    stderr: err.id,
  });
  if (started.stdin !== null) {
    started.stdin.on('error', () => {
      // The agent exited without reading all of its prompt; its exit status says why.
    });
    started.stdin.end(request.stdin ?? '');
  }
}

// Starts the agent natively. Throws when it cannot start (the host gets the error). Born in the
// task's cgroup: the child moves itself there before it execs, so the agent is in it before it
// runs an instruction and the broker never moves.
function startNatively(
  spawner: NativeSpawn,
  request: SpawnRequest,
  env: Record<string, string>,
  stdout: Socket,
  stderr: Socket,
): { pid: number; stdin: Writable | null } {
  const variables: string[] = [];
  for (const key of Object.keys(env)) variables.push(`${key}=${env[key]}`);
  const cgroup = request.cgroup === null ? null : openCgroup(request.cgroup, 'directory');
  let started: { pid: number; stdin: number | null };
  try {
    started = spawner.spawn({
      command: request.command,
      args: request.args,
      env: variables,
      cwd: request.cwd,
      stdin: request.stdin === null ? 'ignore' : 'pipe',
      stdout: descriptorOf(stdout),
      stderr: descriptorOf(stderr),
      cgroup,
    });
  } finally {
    if (cgroup !== null) closeSync(cgroup);
  }
  nativeChildren.set(started.pid, request.id);
  return {
    pid: started.pid,
    stdin: started.stdin === null ? null : new Socket({ fd: started.stdin, readable: false, writable: true }),
  };
}

// The file descriptor under a connected socket (Node keeps it on the socket's handle).
function descriptorOf(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error("the agent's output connection has no file descriptor");
  return fd;
}

// Starts the agent by child_process. Undefined when it failed to start: that is reported from
// its 'error' event.
function startWithChildProcess(
  request: SpawnRequest,
  env: Record<string, string>,
  out: { readonly id: number; readonly socket: Socket },
  err: { readonly id: number; readonly socket: Socket },
): { pid: number; stdin: Writable | null } | undefined {
  // Born in the task's cgroup: the broker steps in for the fork and back out, so the task's
  // first process is in it before it runs an instruction (and the broker's own work is not).
  // A cgroup that cannot be entered (another host's clean-up removed it while empty, say) costs
  // only exact accounting, never the task: it then starts outside.
  const origin = request.cgroup === null ? undefined : currentCgroupProcs();
  const entered = request.cgroup !== null && origin !== undefined && enter(request.cgroup);
  let child: ChildProcess;
  try {
    child = spawn(request.command, request.args, {
      cwd: request.cwd,
      env,
      detached: true,
      stdio: [request.stdin === null ? 'ignore' : 'pipe', out.socket, err.socket],
    });
  } finally {
    if (entered && origin !== undefined) {
      try {
        writeFileSync(origin, String(process.pid));
      } catch {
        // Could not step back out (the group was moved or removed): the broker's own work is
        // charged to this task's cgroup until the next spawn, which reads where it belongs again.
        ownCgroupProcs = undefined;
      }
    }
  }
  child.once('error', (error: NodeJS.ErrnoException) => {
    if (child.pid === undefined) {
      send({ type: 'error', id: request.id, code: error.code ?? null, message: error.message, connections: [out.id, err.id] });
    }
  });
  if (child.pid === undefined) return undefined;
  children.set(request.id, child);
  child.once('exit', (code, signal) => {
    children.delete(request.id);
    reportExit(request.id, code, signal);
  });
  return { pid: child.pid, stdin: child.stdin };
}

process.on('message', (request: BrokerRequest) => {
  if (request.type === 'hello') {
    address = { socket: request.socket, secret: request.secret };
    const loaded = request.vfork ? loadNativeSpawn() : { unavailable: 'turned off' };
    if ('spawner' in loaded) {
      native = loaded.spawner;
      native.onExit((pid, code, signal) => {
        const id = nativeChildren.get(pid);
        if (id === undefined) return;
        nativeChildren.delete(pid);
        reportExit(id, code, signal);
      });
    }
    send({
      type: 'ready',
      reaped: readReapedCounters(),
      spawnMethod:
        native === undefined
          ? { method: 'child_process', vforkUnavailable: (loaded as { unavailable: string }).unavailable }
          : { method: 'vfork' },
    });
    replenish();
  } else if (request.type === 'spawn') void start(request);
});

// The host is gone: its runs are recovered by the next host, which finds these processes by
// their task id. Nothing is left for the broker to do.
process.on('disconnect', () => process.exit(0));
