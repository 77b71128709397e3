import type { ProcessRunner, Task } from '@claudine/core';

/**
 * The prompt an agent is given when it continues its own session after its run was cut short.
 * Short on purpose: the session holds the task and everything done so far.
 */
export const CONTINUATION_PROMPT =
  'Your previous run of this task was interrupted before it finished (the process running it stopped, or it hit a temporary error). Continue the task from where you left off: first check what you had already done (some of your changes may already be in the working directory), then finish it. End with your complete final answer for the whole task.';

/**
 * The run to start for a claimed task: a claude or codex task that was put back in the queue
 * after it had announced a session (its host crashed, or it failed transiently) continues that
 * session with {@link CONTINUATION_PROMPT} (`claude --resume <id>`, `codex exec resume <id>`),
 * rather than start over on a tree it already changed. A task that never reached a session,
 * a command task, and a task retried on request (its report is cleared) start from scratch.
 */
export function continuationOf(task: Task): Task {
  if (task.agent === 'command' || task.attempt < 2) return task;
  const sessionId = task.report?.sessionId;
  if (sessionId === null || sessionId === undefined) return task;
  return { ...task, prompt: CONTINUATION_PROMPT, agentOptions: { ...task.agentOptions, resumeSessionId: sessionId } };
}

/** Wraps a runner so that each claimed task is started as {@link continuationOf} says. */
export function withSessionContinuation(runner: ProcessRunner): ProcessRunner {
  return {
    start(task, runOptions) {
      return runner.start(continuationOf(task), runOptions);
    },
  };
}
