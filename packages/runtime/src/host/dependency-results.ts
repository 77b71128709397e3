import { notStartedResult, type OutputStore, type ProcessRunner, type RunHandle, type Task, type TaskStore } from '@claudine/core';
import { deferredRunHandle } from './deferred-run-handle.js';

/** Where {@link withDependencyResults} reads results from, and how much it passes on. */
export interface DependencyResultsOptions {
  readonly store: Pick<TaskStore, 'get'>;
  readonly output: OutputStore;
  /** Most characters of one dependency's result (its end is kept). Default 8,000. */
  readonly maxResultLength?: number;
  /**
   * Most characters of all results together. Default 60,000 (an environment variable holds
   * 128 KiB). At most 100 dependencies' results are passed.
   */
  readonly maxTotalLength?: number;
  /** Lines of a command's output read when it reported no result text. Default 40. */
  readonly outputTailLines?: number;
  /**
   * Keeps the prompt the agent receives, where it differs from the task's own, for `status
   * --prompt`. A failure to keep it does not stop the task.
   */
  readonly recordPrompt?: (taskId: string, prompt: string) => Promise<void>;
}

/** One dependency's final result as handed to a dependent. */
export interface DependencyResult {
  readonly id: string;
  readonly status: Task['status'];
  readonly agent: Task['agent'];
  readonly prompt: string;
  /** The agent's final result text, or the tail of a command's stdout; null when there is none. */
  readonly result: string | null;
}

const MAX_PASSED_RESULTS = 100;

/**
 * The environment variable that holds the results for every agent: a JSON array of
 * `{ id, agent, status, result }`, in the order of `dependsOn`.
 */
export const DEPENDENCY_RESULTS_VARIABLE = 'CLAUDINE_DEPENDENCY_RESULTS';

/**
 * Wraps a {@link ProcessRunner} so that a task with `passDependencyResults` receives its
 * dependencies' final results when it starts: claude and codex tasks get them appended to their
 * prompt, and every agent gets them as JSON in `CLAUDINE_DEPENDENCY_RESULTS` (a command's prompt
 * is a shell command, so the environment is how a script reads them). The results are read at
 * claim time, in the host, so the runner never needs the store. The stored prompt is unchanged.
 */
export function withDependencyResults(runner: ProcessRunner, options: DependencyResultsOptions): ProcessRunner {
  return {
    start(task, runOptions): RunHandle {
      if (!task.passDependencyResults || task.dependsOn.length === 0) return runner.start(task, runOptions);
      // Read at claim time; a cancel or shutdown that comes meanwhile means it never starts.
      const prepare = (async () => {
        try {
          const start = taskWithResults(task, await readDependencyResults(task, options), options);
          if (start.prompt !== task.prompt) await options.recordPrompt?.(task.id, start.prompt).catch(() => undefined);
          return { start };
        } catch (error) {
          return { refuse: notStartedResult(`could not read the results of its dependencies: ${(error as Error).message}`) };
        }
      })();
      return deferredRunHandle(prepare, (effective) => runner.start(effective, runOptions), task);
    },
  };
}

/** Reads the final result of each dependency of `task`, in the order of `dependsOn`. */
export async function readDependencyResults(task: Task, options: DependencyResultsOptions): Promise<DependencyResult[]> {
  const maxResult = options.maxResultLength ?? 8000;
  const lines = options.outputTailLines ?? 40;
  const results: DependencyResult[] = [];
  for (const id of task.dependsOn) {
    const dependency = await options.store.get(id);
    if (dependency === undefined) continue;
    let result = dependency.report?.resultText ?? null;
    if (result === null || result.trim() === '') {
      const tail = await options.output.tail(id, lines, { streams: ['stdout'] });
      const text = tail.records.map((record) => record.text).join('');
      result = text.trim() === '' ? null : text;
    }
    results.push({ id, status: dependency.status, agent: dependency.agent, prompt: dependency.prompt, result: keepEnd(result, maxResult) });
  }
  return results;
}

function taskWithResults(task: Task, results: readonly DependencyResult[], options: DependencyResultsOptions): Task {
  const budget = options.maxTotalLength ?? 60_000;
  // At most this many results are passed, and they share the budget evenly, so a long first
  // result cannot crowd out the others and the environment variable stays under Linux's 128 KiB.
  const passed = results.slice(0, MAX_PASSED_RESULTS);
  const share = Math.floor(budget / Math.max(1, passed.length));
  const bounded = passed.map((item) => ({ id: item.id, agent: item.agent, status: item.status, result: keepEnd(item.result, share) }));
  const omitted = results.length - passed.length;
  const environment = { ...task.agentOptions.env, [DEPENDENCY_RESULTS_VARIABLE]: JSON.stringify(bounded) };
  const agentOptions = { ...task.agentOptions, env: environment };
  if (task.agent === 'command') return { ...task, agentOptions };
  // The dependencies' prompts stay out of this prompt: they were instructions to other agents,
  // and this agent should act on their results, not on them.
  const sections = bounded.map(
    (item) => `## Task ${item.id} (${item.agent}, ${item.status})\n\n${item.result ?? '(it reported no result)'}`,
  );
  if (omitted > 0) sections.push(`(${omitted} more dependencies are not shown; read them with \`claudine status <id>\`.)`);
  const prompt = `${task.prompt}\n\n---\n\n# Results of the tasks this one depends on\n\nThese tasks ran before this one; their final results follow.\n\n${sections.join('\n\n')}\n`;
  return { ...task, prompt, agentOptions };
}

function keepEnd(text: string | null, length: number): string | null {
  if (text === null || text.length <= length) return text;
  return `…${text.slice(text.length - length + 1)}`;
}
