import { notStartedResult, type ProcessRunner } from '@claudine/core';

// Variables that describe the submitter's own task when a task submits another: never passed on.
const SUBMITTER_ONLY = new Set(['CLAUDINE_TASK_ID', 'CLAUDINE_DEPENDENCY_RESULTS']);

/**
 * What a client stores as the environment of a task it submits: its own variables (unset ones
 * left out), without the ones that belong to the client's own task when it runs inside one.
 */
export function submitterEnvironment(environment: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (value !== undefined && !SUBMITTER_ONLY.has(name)) variables[name] = value;
  }
  return variables;
}

/**
 * Variables of the host passed to a task stored without an environment (one submitted through
 * the store directly, or before environments were stored): enough to find programs and the
 * user's home, and nothing that could be a secret.
 */
export const FALLBACK_VARIABLES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'] as const;

/** Options for {@link withSubmitterEnvironment}. */
export interface SubmitterEnvironmentOptions {
  /** Reads the environment a task was submitted with (undefined: none was stored). */
  readonly read: (taskId: string) => Record<string, string> | undefined;
  /** The host's own environment: only its {@link FALLBACK_VARIABLES} are ever used. */
  readonly hostEnvironment: Readonly<Record<string, string | undefined>>;
  /** Variables Claudine sets for every task, over the submitter's (`CLAUDINE_HOME`). */
  readonly claudineVariables: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

/**
 * Wraps a runner so that each task's processes start from the environment of the client that
 * submitted it (then its `env`, then Claudine's own variables), never from the host's: a
 * secret of whichever shell started the host cannot reach a task, and a task does get the
 * variables of the shell it was submitted from.
 */
export function withSubmitterEnvironment(runner: ProcessRunner, options: SubmitterEnvironmentOptions): ProcessRunner {
  const fallback: Record<string, string> = {};
  for (const name of FALLBACK_VARIABLES) {
    const value = options.hostEnvironment[name];
    if (value !== undefined) fallback[name] = value;
  }
  return {
    start(task, runOptions = {}) {
      let stored: Record<string, string> | undefined;
      try {
        stored = options.read(task.id);
      } catch (error) {
        return notStarted(`could not read the environment it was submitted with: ${(error as Error).message}`);
      }
      if (stored === undefined) {
        options.log(
          `task ${task.id} was stored without its submitter's environment: it runs with ${FALLBACK_VARIABLES.join(', ')} of the host only`,
        );
      }
      return runner.start(task, { ...runOptions, environment: { ...(stored ?? fallback), ...options.claudineVariables } });
    },
  };
}

function notStarted(detail: string): ReturnType<ProcessRunner['start']> {
  return { done: Promise.resolve(notStartedResult(detail)), terminate() {}, processes: () => [] };
}
