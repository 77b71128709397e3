import type { AgentKind, AgentReport, Task } from '@claudine/core';

/** The command line an agent runs a task with. */
export interface AgentInvocation {
  /** The executable (looked up on PATH when not absolute). */
  readonly command: string;
  readonly args: readonly string[];
  /** The complete environment of the process. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Written to the process's stdin, which is then closed; null for an empty stdin. */
  readonly stdin: string | null;
  /**
   * A program for `command`, a POSIX shell, to run: the runner writes it to a private file
   * (0600, in the task's log directory, kept and removed with the log) and appends that file's
   * path to `args`. For programs of any size: an argument is bounded by the system (128 KiB on
   * Linux), a file is not. Where the run has a cgroup, the file's first line enters it first.
   */
  readonly script?: string;
}

/** Reads an agent's stdout, line by line, into an {@link AgentReport}. */
export interface AgentReportParser {
  /** One complete line of stdout, without its newline. */
  line(text: string): void;
  /** The report once the process has exited; null when the agent reported nothing. */
  finish(exit: { readonly exitCode: number | null; readonly signal: string | null }): AgentReport | null;
  /** The session the agent has announced so far, if any: asked after each line, so it is reported at once. */
  sessionId?(): string | null;
}

/**
 * An adapter from a task to a program: how to start it and how to read what it says about its
 * run. Adding an agent means adding one of these.
 */
export interface Agent {
  readonly kind: AgentKind;
  /** The command line for `task`, given the environment the host runs in. */
  invocation(task: Task, environment: Readonly<Record<string, string | undefined>>): AgentInvocation;
  /** A parser for one run's stdout, or null when stdout is not structured. */
  createParser(): AgentReportParser | null;
}

/** Environment every agent process gets on top of the host's: how to find its own task. */
export function taskEnvironment(task: Task, environment: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return { ...environment, ...task.agentOptions.env, CLAUDINE_TASK_ID: task.id };
}
