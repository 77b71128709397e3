// The spawn broker's fast way to start a process: a vfork (clone with CLONE_VM | CLONE_VFORK, as
// glibc's posix_spawn does), from a small native module (native/spawn.c, built at install by
// scripts/build-native.mjs). Node's child_process forks on Linux; a vfork copies nothing of the
// parent. Where the module was not built (no C compiler, not Linux) or cannot load, the broker
// uses child_process and says why.
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';
import type { ReapedCounters } from './spawn-broker-protocol.js';

// What both starts take: the program, argv (with argv[0]), "NAME=value" strings, the working
// directory, then descriptors for stdin, stdout and stderr and the cgroup's directory (-1: none).
type StartArguments = [
  file: string,
  args: readonly string[],
  env: readonly string[],
  cwd: string,
  stdin: number,
  stdout: number,
  stderr: number,
  cgroup: number,
];

interface NativeSpawnModule {
  spawn(...start: StartArguments): number;
  spawnAsync(...start: [...StartArguments, callback: (error: Error | null, pid: number | null, startTicks: number | null) => void]): void;
  onExit(callback: (pid: number, code: number | null, signal: number | null, usage: number[] | null) => void): void;
  pipe(): [number, number];
  closeFd(fd: number): void;
}

/** Starts processes without copying the caller, and reports their exits (see {@link loadNativeSpawn}). */
export interface NativeSpawn {
  /**
   * Starts `command` (looked up on `env.PATH` when it has no slash) with `args` in `cwd`, in a
   * new session, with default signal dispositions, `stdout` and `stderr` (descriptors above 2)
   * as its descriptors 1 and 2, and /dev/null or a new pipe as 0; with `cgroup` (an open cgroup
   * v2 directory), created in that cgroup (or moved there before it execs, where clone3 cannot). Returns its pid and, for `stdin: 'pipe'`,
   * the pipe's write end (close-on-exec; the caller owns it). Throws an errno error (`code`,
   * `errno`, `syscall`, `path`, as child_process's) when the process cannot be started.
   */
  spawn(request: {
    readonly command: string;
    readonly args: readonly string[];
    readonly env: readonly string[];
    readonly cwd: string;
    readonly stdin: 'ignore' | 'pipe';
    readonly stdout: number;
    readonly stderr: number;
    readonly cgroup: number | null;
  }): { pid: number; stdin: number | null };
  /**
   * As {@link NativeSpawn.spawn}, with `stdin` a descriptor (or null for /dev/null), but the
   * start runs on libuv's thread pool, so the event loop never waits for the child to exec.
   * `callback` gets the error, or the pid and the start time in clock ticks after boot (null
   * if unreadable). Every descriptor given must stay open until then.
   */
  spawnAsync(
    request: Omit<Parameters<NativeSpawn['spawn']>[0], 'stdin'> & { readonly stdin: number | null },
    callback: (result: { pid: number; startTicks: number | null } | { error: Error }) => void,
  ): void;
  /** A new pipe, [read end, write end], both close-on-exec; the caller owns them. */
  pipe(): [number, number];
  /**
   * Sets the one function told of every exit: exit code, or signal name, and what the process
   * used over its life with the children it waited for (read just before it was reaped; null
   * when unreadable).
   */
  onExit(callback: (pid: number, code: number | null, signal: NodeJS.Signals | null, usage: ReapedCounters | null) => void): void;
}

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/** Where the module is built, relative to this file in src/process or dist/process. */
const NATIVE_SPAWN_MODULE = new URL('../../build/claudine-spawn.node', import.meta.url);

/**
 * The native spawner, or why there is none: not Linux, not built, or refused by the kernel
 * (it needs pidfds, Linux 5.3).
 */
export function loadNativeSpawn(): { spawner: NativeSpawn } | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: 'the native module is used on Linux only' };
  let module: NativeSpawnModule;
  try {
    module = createRequire(import.meta.url)(fileURLToPath(NATIVE_SPAWN_MODULE)) as NativeSpawnModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      unavailable:
        code === 'MODULE_NOT_FOUND'
          ? 'its native module was not built (a C compiler is needed at install: see the runner README)'
          : `its native module did not load: ${(error as Error).message}`,
    };
  }
  return {
    spawner: {
      spawn(request) {
        const pipe = request.stdin === 'pipe' ? module.pipe() : null;
        try {
          const pid = module.spawn(...startArguments(request, pipe === null ? null : pipe[0]));
          return { pid, stdin: pipe === null ? null : pipe[1] };
        } catch (error) {
          if (pipe !== null) module.closeFd(pipe[1]);
          throw asSpawnError(error, request.command);
        } finally {
          // The child has its own copy.
          if (pipe !== null) module.closeFd(pipe[0]);
        }
      },
      spawnAsync(request, callback) {
        module.spawnAsync(...startArguments(request, request.stdin), (error, pid, startTicks) => {
          if (error !== null || pid === null) callback({ error: asSpawnError(error, request.command) });
          else callback({ pid, startTicks: startTicks === null || startTicks === 0 ? null : startTicks });
        });
      },
      pipe: () => module.pipe(),
      onExit(callback) {
        module.onExit((pid, code, signal, usage) =>
          callback(pid, code, signal === null ? null : (signalNames.get(signal) ?? null), usage === null ? null : usageOf(usage)),
        );
      },
    },
  };
}

/**
 * Whether agents can be started by vfork here, checked by loading the native module in this
 * process (as the spawn broker does): for diagnostics such as `claudine doctor`.
 */
export function nativeSpawnStatus():
  | { readonly available: true; readonly module: string }
  | { readonly available: false; readonly reason: string } {
  const loaded = loadNativeSpawn();
  return 'spawner' in loaded
    ? { available: true, module: fileURLToPath(NATIVE_SPAWN_MODULE) }
    : { available: false, reason: loaded.unavailable };
}

// A start request in the module's terms.
function startArguments(request: Omit<Parameters<NativeSpawn['spawn']>[0], 'stdin'>, stdin: number | null): StartArguments {
  const { command, env, cwd, stdout, stderr, cgroup } = request;
  return [command, [command, ...request.args], env, cwd, stdin ?? -1, stdout, stderr, cgroup ?? -1];
}

// The module's counters, in its order: ticks, then /proc/<pid>/io's.
function usageOf(values: readonly number[]): ReapedCounters {
  const [userTicks = 0, systemTicks = 0, readChars = 0, writtenChars = 0, readCalls = 0, writeCalls = 0] = values;
  const [readBytes = 0, writeBytes = 0, cancelledWriteBytes = 0] = values.slice(6);
  return { userTicks, systemTicks, readChars, writtenChars, readCalls, writeCalls, readBytes, writeBytes, cancelledWriteBytes };
}

// The error child_process gives for the same failure: "spawn <command> ENOENT", with its code.
function asSpawnError(error: unknown, command: string): Error {
  const errno = (error as { errno?: unknown }).errno;
  if (typeof errno !== 'number') return error as Error;
  const code = getSystemErrorName(-errno);
  return Object.assign(new Error(`spawn ${command} ${code}`), { code, errno: -errno, syscall: `spawn ${command}`, path: command });
}
