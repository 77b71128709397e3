import { ClaudineError } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';

/** What an action answers: the task it concerns (for resume, the new task). */
export interface ActionResult {
  readonly id: string;
  readonly status: string;
  /** What happened, in words the page shows. */
  readonly message: string;
}

/** `POST /api/tasks/:id/cancel`. */
export async function cancelTask(claudine: Claudine, id: string): Promise<ActionResult> {
  const outcome = await claudine.cancel(id, 'cancelled from the dashboard');
  return outcome.kind === 'cancelled'
    ? { id, status: outcome.task.status, message: `Task ${id} is cancelled.` }
    : { id, status: outcome.task.status, message: `Task ${id} is being stopped.` };
}

/** `POST /api/tasks/:id/retry`. */
export async function retryTask(claudine: Claudine, id: string): Promise<ActionResult> {
  const task = await claudine.retry(id);
  return { id, status: task.status, message: `Task ${id} is queued again (attempt ${task.attempt + 1}).` };
}

/** `POST /api/tasks/:id/resume` with `{ instructions }`: a new task continuing the session. */
export async function resumeTask(claudine: Claudine, id: string, body: Record<string, unknown>): Promise<ActionResult> {
  const instructions = body.instructions;
  if (typeof instructions !== 'string' || instructions.trim() === '') {
    throw new ClaudineError('invalid_input', 'Say what the agent should do next: the instructions are empty.');
  }
  const { task, hostError } = await claudine.resume(id, instructions);
  return {
    id: task.id,
    status: task.status,
    message:
      hostError === null
        ? `Task ${task.id} continues the session of ${id}.`
        : `Task ${task.id} is queued, but no host could start: ${hostError}`,
  };
}
