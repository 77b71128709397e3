import type { PreparedStatements } from '../database/prepared-statements.js';

/** Records the prompt a task's agent received at this start, when the host changed it. */
export function storeReceivedPrompt(sql: PreparedStatements, taskId: string, prompt: string): void {
  sql.run(
    'receivedPrompts.upsert',
    'INSERT INTO received_prompts (task_id, prompt) VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE SET prompt = excluded.prompt',
    taskId,
    prompt,
  );
}

/** The prompt a task's agent last received, where it differed from the task's own; else undefined. */
export function readReceivedPrompt(sql: PreparedStatements, taskId: string): string | undefined {
  return sql.get<{ prompt: string }>('receivedPrompts.byTask', 'SELECT prompt FROM received_prompts WHERE task_id = ?', taskId)?.prompt;
}

/** Gives a task new instructions (a retry with an edited prompt): what it received before no longer holds. */
export function replacePrompt(sql: PreparedStatements, taskId: string, prompt: string): void {
  sql.run('tasks.replacePrompt', 'UPDATE tasks SET prompt = ? WHERE id = ?', prompt, taskId);
  sql.run('receivedPrompts.delete', 'DELETE FROM received_prompts WHERE task_id = ?', taskId);
}
