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

/** From the host. */
export type BrokerRequest =
  | { readonly type: 'hello'; readonly socket: string; readonly secret: string }
  | {
      readonly type: 'spawn';
      readonly id: number;
      readonly command: string;
      readonly args: readonly string[];
      readonly cwd: string;
      readonly env: Readonly<Record<string, string>>;
      /** Written to the agent's stdin, which is then closed; null for none. */
      readonly stdin: string | null;
      /** A cgroup v2 directory the agent is born in; null for none. */
      readonly cgroup: string | null;
    };

/** From the broker. */
export type BrokerReply =
  | { readonly type: 'ready'; readonly reaped: ReapedCounters | null }
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
