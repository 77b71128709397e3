// The spawn broker: a small process that starts agent processes for a host. A host is a large
// Node process, and on Linux Node starts a child with fork(), whose cost grows with the size of
// the process that forks (its page tables are copied): a few milliseconds for a host, blocking
// its event loop each time. The broker stays small, so forking from it is cheap, and it does it
// on its own core. See spawn-broker.ts for the protocol.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { identifyProcess } from './process-identity.js';
import type { BrokerReply, BrokerRequest, ReapedCounters } from './spawn-broker-protocol.js';

let address: { socket: string; secret: string } | undefined;
const children = new Map<number, ChildProcess>();

function send(reply: BrokerReply): void {
  process.send?.(reply);
}

// The counters of the processes this broker has waited for: what every agent it reaped used
// over its whole life. CPU from /proc/self/stat (cutime, cstime); I/O from /proc/self/io, which
// adds them to the live threads' counters, so those are subtracted (read first).
function reapedCounters(): ReapedCounters | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const threads = readdirSync('/proc/self/task').map((thread) => readIo(`/proc/self/task/${thread}/io`));
    const whole = readIo('/proc/self/io');
    const io = { ...whole };
    for (const thread of threads) for (const key of Object.keys(io) as Array<keyof typeof io>) io[key] -= thread[key];
    return { userTicks: Number(fields[13]), systemTicks: Number(fields[14]), ...io };
  } catch {
    return null;
  }
}

function readIo(path: string): Omit<ReapedCounters, 'userTicks' | 'systemTicks'> {
  const text = readFileSync(path, 'latin1');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
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

// One connection to the host per stream, announced by the secret, the run id and the stream.
function openStream(id: number, stream: 'stdout' | 'stderr'): Promise<Socket> {
  const target = address;
  if (target === undefined) return Promise.reject(new Error('the broker was not told where the host listens'));
  return new Promise((resolve, reject) => {
    const socket = connect(target.socket, () => {
      socket.write(`${target.secret} ${id} ${stream}\n`, () => resolve(socket));
    });
    socket.once('error', reject);
  });
}

// The cgroup.procs file of the broker's own cgroup v2 group: where it returns after a spawn.
// Read once, and again after stepping back failed.
let ownCgroupProcs: string | undefined;

function currentCgroupProcs(): string | undefined {
  ownCgroupProcs ??= readCgroupProcs();
  return ownCgroupProcs;
}

function readCgroupProcs(): string | undefined {
  try {
    const mount = readFileSync('/proc/self/mounts', 'latin1')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[2] === 'cgroup2')?.[1];
    const line = readFileSync('/proc/self/cgroup', 'latin1')
      .split('\n')
      .find((entry) => entry.startsWith('0::'));
    return mount === undefined || line === undefined ? undefined : join(mount, line.slice(3), 'cgroup.procs');
  } catch {
    return undefined;
  }
}

async function start(request: Extract<BrokerRequest, { type: 'spawn' }>): Promise<void> {
  let streams: Socket[];
  try {
    streams = await Promise.all([openStream(request.id, 'stdout'), openStream(request.id, 'stderr')]);
  } catch (error) {
    send({ type: 'error', id: request.id, code: null, message: `could not connect the agent's output: ${(error as Error).message}` });
    return;
  }
  const [stdout, stderr] = streams as [Socket, Socket];
  let child: ChildProcess;
  // Born in the task's cgroup: the broker steps in for the fork and back out, so the task's
  // first process is in it before it runs an instruction (and the broker's own work is not).
  // A cgroup that cannot be entered (another host's clean-up removed it while empty, say) costs
  // only exact accounting, never the task: it then starts outside.
  const origin = request.cgroup === null ? undefined : currentCgroupProcs();
  let entered = false;
  if (request.cgroup !== null && origin !== undefined) {
    try {
      mkdirSync(request.cgroup, { recursive: true });
      writeFileSync(join(request.cgroup, 'cgroup.procs'), String(process.pid));
      entered = true;
    } catch {
      entered = false;
    }
  }
  try {
    child = spawn(request.command, request.args, {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: [request.stdin === null ? 'ignore' : 'pipe', stdout, stderr],
    });
  } catch (error) {
    stdout.destroy();
    stderr.destroy();
    send({ type: 'error', id: request.id, code: (error as NodeJS.ErrnoException).code ?? null, message: (error as Error).message });
    return;
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
  // The child holds its own copies of the sockets.
  stdout.destroy();
  stderr.destroy();
  child.once('error', (error: NodeJS.ErrnoException) => {
    if (child.pid === undefined) send({ type: 'error', id: request.id, code: error.code ?? null, message: error.message });
  });
  if (child.pid === undefined) return;
  children.set(request.id, child);
  // Read now: the child cannot be reaped before this turn ends, so even one that exits at once
  // is still there to be identified.
  send({ type: 'spawned', id: request.id, pid: child.pid, startTime: identifyProcess(child.pid)?.startTime ?? null });
  if (child.stdin !== null) {
    child.stdin.on('error', () => {
      // The agent exited without reading all of its prompt; its exit status says why.
    });
    child.stdin.end(request.stdin ?? '');
  }
  child.once('exit', (code, signal) => {
    children.delete(request.id);
    send({ type: 'exit', id: request.id, code, signal, reaped: reapedCounters() });
  });
}

process.on('message', (request: BrokerRequest) => {
  if (request.type === 'hello') {
    address = { socket: request.socket, secret: request.secret };
    send({ type: 'ready', reaped: reapedCounters() });
  } else if (request.type === 'spawn') void start(request);
});

// The host is gone: its runs are recovered by the next host, which finds these processes by
// their task id. Nothing is left for the broker to do.
process.on('disconnect', () => process.exit(0));
