/**
 * What to start as a task's agent, by the spawn broker or by vfork from the runner (the runner's
 * own child_process start takes the same fields).
 */
export interface AgentSpawn {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /**
   * The whole environment (undefined values are left out). It must not change after the call:
   * the broker sends the next spawn as its difference from this one.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Written to the agent's stdin, which is then closed; null for /dev/null. */
  readonly stdin: string | null;
  /** A cgroup directory the agent is born in, or null. */
  readonly cgroup: string | null;
}
