// Messages between a host's runner and its spawn broker (spawn-broker-main.ts), over the IPC
// channel of the broker process. Output does not pass through here: the agent writes straight
// into a socket the host reads.

/** Counters of the processes the broker has reaped (see spawn-broker-main.ts). */
export interface ReapedCounters {
  readonly userTicks: number;
  readonly systemTicks: number;
  readonly readChars: number;
  readonly writtenChars: number;
  readonly readCalls: number;
  readonly writeCalls: number;
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly cancelledWriteBytes: number;
}

/** Counters of no process at all. */
export const ZERO_COUNTERS: ReapedCounters = {
  userTicks: 0,
  systemTicks: 0,
  readChars: 0,
  writtenChars: 0,
  readCalls: 0,
  writeCalls: 0,
  readBytes: 0,
  writeBytes: 0,
  cancelledWriteBytes: 0,
};

/** The sum of two sets of counters. */
export function addCounters(left: ReapedCounters, right: ReapedCounters): ReapedCounters {
  return {
    userTicks: left.userTicks + right.userTicks,
    systemTicks: left.systemTicks + right.systemTicks,
    readChars: left.readChars + right.readChars,
    writtenChars: left.writtenChars + right.writtenChars,
    readCalls: left.readCalls + right.readCalls,
    writeCalls: left.writeCalls + right.writeCalls,
    readBytes: left.readBytes + right.readBytes,
    writeBytes: left.writeBytes + right.writeBytes,
    cancelledWriteBytes: left.cancelledWriteBytes + right.cancelledWriteBytes,
  };
}

/**
 * An environment sent as what differs from the one of the previous spawn request to the same
 * broker (`from: 'previous'`), or whole (`from: 'empty'`, the first request to a broker). Tasks
 * started one after another share nearly all of it, so each request carries a few variables
 * instead of the host's whole environment.
 */
export interface EnvironmentChanges {
  readonly from: 'empty' | 'previous';
  readonly set: Readonly<Record<string, string>>;
  readonly unset: readonly string[];
}

/**
 * How a broker starts agents: by vfork (its native module: clone with CLONE_VM | CLONE_VFORK), or
 * by child_process and why not by vfork.
 */
export type SpawnMethod = { readonly method: 'vfork' } | { readonly method: 'child_process'; readonly vforkUnavailable: string };

/** From the host. */
export type BrokerRequest =
  | {
      readonly type: 'hello';
      readonly socket: string;
      readonly secret: string;
      /** Start agents by vfork if the native module loads (else child_process). */
      readonly vfork: boolean;
    }
  | {
      readonly type: 'spawn';
      readonly id: number;
      readonly command: string;
      readonly args: readonly string[];
      readonly cwd: string;
      /** The agent's environment, as changes to the previous spawn's (see {@link EnvironmentChanges}). */
      readonly env: EnvironmentChanges;
      /** Written to the agent's stdin, which is then closed; null for none. */
      readonly stdin: string | null;
      /** A cgroup v2 directory the agent is born in; null for none. */
      readonly cgroup: string | null;
    };

/** From the broker. */
export type BrokerReply =
  | { readonly type: 'ready'; readonly reaped: ReapedCounters | null; readonly spawnMethod: SpawnMethod }
  | {
      readonly type: 'spawned';
      readonly id: number;
      readonly pid: number;
      readonly startTime: string | null;
      /** The connections (numbered as the broker announced them) the agent's stdout and stderr go to. */
      readonly stdout: number;
      readonly stderr: number;
    }
  | {
      readonly type: 'error';
      readonly id: number;
      readonly code: string | null;
      readonly message: string;
      /** Connections announced for the agent's output that no one will claim now. */
      readonly connections: readonly number[];
    }
  | {
      /**
       * The agents reaped in one turn of the broker, with its counters read after the last of
       * them: the counters' growth since the previous report is exactly what these used.
       */
      readonly type: 'exits';
      readonly exits: ReadonlyArray<{ readonly id: number; readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
      readonly reaped: ReapedCounters | null;
    };

/**
 * What to send for `wanted` when the broker holds `previous` (undefined: nothing yet). Variables
 * whose value is undefined count as absent. Nothing is copied: the caller keeps `wanted` as the
 * next `previous`, unchanged. (`set` has no prototype: a variable may be called `__proto__`.)
 */
export function environmentChanges(
  previous: Readonly<Record<string, string | undefined>> | undefined,
  wanted: Readonly<Record<string, string | undefined>>,
): EnvironmentChanges {
  const set: Record<string, string> = Object.create(null);
  for (const key of Object.keys(wanted)) {
    const value = wanted[key];
    if (value !== undefined && (previous === undefined || previous[key] !== value || !Object.hasOwn(previous, key))) set[key] = value;
  }
  if (previous === undefined) return { from: 'empty', set, unset: [] };
  const unset: string[] = [];
  for (const key of Object.keys(previous)) {
    if (previous[key] !== undefined && (wanted[key] === undefined || !Object.hasOwn(wanted, key))) unset.push(key);
  }
  return { from: 'previous', set, unset };
}

/** The environment the broker builds from `changes` on top of `previous` (see {@link environmentChanges}). */
export function applyEnvironmentChanges(
  previous: Readonly<Record<string, string>> | undefined,
  changes: EnvironmentChanges,
): Record<string, string> {
  const environment: Record<string, string> = Object.create(null);
  if (changes.from === 'previous' && previous !== undefined) {
    for (const key of Object.keys(previous)) environment[key] = previous[key] as string;
  }
  for (const key of changes.unset) delete environment[key];
  for (const key of Object.keys(changes.set)) environment[key] = changes.set[key] as string;
  return environment;
}
