import { TASK_STATUSES } from '@claudine/core';
import { type Claudine, parseBatchTask } from '@claudine/runtime';
import * as z from 'zod';
import { registerGuardedTool, STARTS_AGENTS } from '../register-tool.js';
import type { SessionDirectory } from '../session-directory.js';
import { toolResult } from '../tool-result.js';
import { type RegisterSubmittingTool, taskFieldsOf } from './submission.js';

// More than any workflow a session writes by hand; a batch this size is still one quick transaction.
const MAX_WORKFLOW_TASKS = 1000;

function inputSchemaOf(claudine: Claudine, directory: SessionDirectory) {
  const task = z
    .object({
      ...taskFieldsOf(claudine, directory),
      name: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .describe('A name for this task within the workflow (e.g. "build"), which other tasks of it give in dependsOn.'),
      dependsOn: z
        .array(z.string())
        .max(10_000)
        .optional()
        .describe('What must complete before this task starts: names of other tasks of this workflow, or ids of existing tasks.'),
    })
    .strict();
  return {
    tasks: z
      .array(task)
      .min(1)
      .max(MAX_WORKFLOW_TASKS)
      .describe('The tasks of the workflow, each with the fields DelegateTask takes plus an optional name.'),
  };
}

const outputSchema = {
  tasks: z
    .array(z.object({ name: z.string().nullable(), taskId: z.string(), status: z.enum(TASK_STATUSES) }))
    .describe('The new tasks, in the order given, with the name each was given.'),
};

/** Registers `DelegateWorkflow`. */
export const registerDelegateWorkflow: RegisterSubmittingTool = (server, claudine, directory, onSubmitted) => {
  registerGuardedTool(
    server,
    'DelegateWorkflow',
    {
      title: 'Delegate a workflow of tasks at once',
      description:
        'Hand several tasks to background agents in one call, all or none, wired together by names: each task takes the fields of DelegateTask plus an optional "name", and its dependsOn may give the names of other tasks of the same call besides ids of existing tasks. Use it instead of several DelegateTask calls whenever you already know the tasks: a pipeline (build, then test, then review with passDependencyResults), or parallel attempts at the same problem followed by a task that compares them. Nothing is stored if any task is invalid (the error names it and the field) or if the names wait for each other in a cycle. Returns every new id with its name at once; then WaitForTasks on the ids you need.',
      inputSchema: inputSchemaOf(claudine, directory),
      outputSchema,
      annotations: STARTS_AGENTS,
    },
    async (args, call) => {
      const project = await directory.resolve(call);
      const inputs = args.tasks.map((task, index) =>
        parseBatchTask(task, { directory: project, label: `tasks[${index}]${task.name === undefined ? '' : ` (${task.name})`}` }),
      );
      const created = await claudine.submitMany(inputs);
      for (const task of created) onSubmitted(task);
      const tasks = created.map((task, index) => ({ name: args.tasks[index]?.name ?? null, taskId: task.id, status: task.status }));
      const listed = tasks.map((task) => `${task.name ?? '(unnamed)'}: ${task.taskId} (${task.status})`).join(', ');
      return toolResult(
        { tasks },
        `Stored ${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${listed}. Wait for them with WaitForTasks {"taskIds": [${tasks.map((task) => `"${task.taskId}"`).join(', ')}]}.`,
      );
    },
  );
};
