import { TASK_STATUSES } from '@claudine/core';
import { toNewTaskInput } from '@claudine/runtime';
import * as z from 'zod';
import { registerGuardedTool, STARTS_AGENTS } from '../register-tool.js';
import { taskLogLink } from '../task-log-resource.js';
import { summarizeTask, TaskSummarySchema } from '../task-summary.js';
import { toolResult } from '../tool-result.js';
import { hostWarning, type RegisterSubmittingTool, taskFieldsOf } from './submission.js';

const outputSchema = {
  taskId: z.string(),
  status: z.enum(TASK_STATUSES),
  hostStarted: z.boolean().describe('True when this call started the background host.'),
  warnings: z.array(z.string()).describe('What you should know about the submission (uncommitted changes the worktree task will not see).'),
  task: TaskSummarySchema,
};

/** Registers `DelegateTask`. */
export const registerDelegateTask: RegisterSubmittingTool = (server, claudine, directory, onSubmitted) => {
  registerGuardedTool(
    server,
    'DelegateTask',
    {
      title: 'Delegate a task to a background agent',
      description:
        'Hand a task to a background agent (Claude Code by default, Codex, or a shell command) and return at once with its id, so you can keep working. The task is stored durably and runs even after this session ends; you get a log notification when it finishes. Use it for work that can proceed independently: implementing a well-specified change, running a long test suite, investigating a bug. Write the prompt as a full brief: the agent sees nothing of this conversation. Then WaitForTasks when you need the outcome, TaskStatus to check on it, TaskLogs to read its output, CancelTask to stop it. For a workflow, pass the ids of earlier tasks in dependsOn: this task starts only after they complete; when you know all the tasks of a workflow up front, DelegateWorkflow hands them over in one call. Without cwd the task runs in your project: the first of the roots you share, or the directory this server was started in when you share none.',
      inputSchema: taskFieldsOf(claudine, directory),
      outputSchema,
      annotations: STARTS_AGENTS,
    },
    async (args, call) => {
      const project = await directory.resolve(call);
      const input = toNewTaskInput(args, { directory: project });
      const { task, hostStarted, hostError, warnings } = await claudine.submit(input);
      onSubmitted(task);
      const warning = hostWarning(hostError);
      const waiting = task.blockedBy.length > 0 ? ` It waits for ${task.blockedBy.join(', ')}.` : '';
      const ended = task.status === 'queued' ? '' : ` ${task.statusDetail ?? ''}.`;
      const isolated =
        task.worktree === null ? '' : ` It runs in its own worktree on branch ${task.worktree.request.branch} (TaskDiff, then MergeTask).`;
      const warned = warnings.map((text) => ` Warning: ${text}`).join('');
      return toolResult(
        { taskId: task.id, status: task.status, hostStarted, warnings: [...warnings], task: summarizeTask(task) },
        `Task ${task.id} is ${task.status} (${task.agent}, ${task.priority}) in ${task.cwd}.${isolated}${waiting}${ended}${warning}${warned} Check it with TaskStatus {"taskId": "${task.id}"}.`,
        [taskLogLink(task)],
      );
    },
  );
};
