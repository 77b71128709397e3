import type { Task } from '@claudine/core';
import type { Claudine } from '@claudine/runtime';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { lazySchemaValidator } from './lazy-schema-validator.js';
import { createSessionDirectory } from './session-directory.js';
import { registerLogSubscriptions, registerTaskLogResource } from './task-log-resource.js';
import { createTaskNotifier } from './task-notifier.js';
import { createTaskWatch, type TaskWatch } from './task-watch.js';
import { registerCancelTask } from './tools/cancel-task.js';
import { registerDelegateTask } from './tools/delegate-task.js';
import { registerDelegateWorkflow } from './tools/delegate-workflow.js';
import { registerListTasks } from './tools/list-tasks.js';
import { registerMergeTask } from './tools/merge-task.js';
import { registerResumeTask } from './tools/resume-task.js';
import { registerRetryTask } from './tools/retry-task.js';
import { registerSystemMetrics } from './tools/system-metrics.js';
import { registerTaskDiff } from './tools/task-diff.js';
import { registerTaskGraph } from './tools/task-graph.js';
import { registerTaskLogs } from './tools/task-logs.js';
import { registerTaskMetrics } from './tools/task-metrics.js';
import { registerTaskStatus } from './tools/task-status.js';
import { registerUpdateDependencies } from './tools/update-dependencies.js';
import { registerWaitForTasks } from './tools/wait-for-tasks.js';

/** Options for {@link createClaudineMcpServer}. */
export interface ClaudineMcpServerOptions {
  readonly version: string;
  /**
   * Working directory of tasks that name none when the client shares no roots (the directory
   * the server was started in); a client that lists roots gets its first one instead.
   */
  readonly defaultCwd: string;
  /**
   * The watch over followed tasks. Sessions of one process share it (an HTTP server creates one
   * and passes it to each session's server); without it the server makes its own.
   */
  readonly watch?: TaskWatch;
  /** Time between progress notifications of a waiting call (default: `mcp.progressInterval`). */
  readonly progressIntervalMs?: number;
  /** How long WaitForTasks waits when the call names no timeout (default: `mcp.waitTimeout`). */
  readonly defaultWaitMs?: number;
}

const INSTRUCTIONS = `Claudine runs tasks in background agent processes (Claude Code by default, Codex, or shell commands) so you can keep working while they run. Tasks are stored durably and keep running after this session ends.
- DelegateTask hands off a task and returns its id at once. Write the prompt as a complete brief: the agent does not see this conversation. You get a log notification when a task you delegated finishes.
- WaitForTasks blocks until tasks finish (returning early, with their state, before the client's timeout; call it again to go on waiting). TaskStatus shows one task with its final result; ListTasks finds tasks by state, agent, label or time.
- TaskLogs reads the tail of a task's output; the whole log is the resource claudine://tasks/{id}/log.
- CancelTask stops a task; RetryTask runs a failed one again; ResumeTask continues a claude task's conversation with new instructions.
- Workflows: give DelegateTask the ids of earlier tasks in dependsOn, and a task starts only after they complete (if one fails, so does it, unless dependencyPolicy says otherwise). TaskGraph shows a workflow; UpdateDependencies changes what a queued task waits for.
- TaskMetrics and SystemMetrics show what tasks consumed (CPU, memory, I/O, tokens, cost) and how the machine is doing.`;

/**
 * Builds the MCP server of one session over an open {@link Claudine} client: the tools, the task
 * log resources with their subscriptions, and log notifications about the tasks this session
 * hands off. Closing the server releases what the session watched.
 */
export function createClaudineMcpServer(claudine: Claudine, options: ClaudineMcpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'claudine', title: 'Claudine', version: options.version },
    {
      capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: lazySchemaValidator(),
    },
  );
  const ownWatch = options.watch === undefined;
  const watch = options.watch ?? createTaskWatch(claudine);
  const notifier = createTaskNotifier(watch, (notice) => {
    server.server
      .sendLoggingMessage({ level: notice.level, logger: 'claudine', data: notice.data }, server.server.transport?.sessionId)
      .catch(() => {
        // The session is gone; closing it stops the notifier.
      });
  });
  const onSubmitted = (task: Task): void => {
    notifier.track(task);
    // A new task is a new log resource.
    if (server.isConnected()) server.sendResourceListChanged();
  };

  const directory = createSessionDirectory(server, options.defaultCwd);
  registerDelegateTask(server, claudine, directory, onSubmitted);
  registerDelegateWorkflow(server, claudine, directory, onSubmitted);
  registerWaitForTasks(server, claudine, watch, {
    progressIntervalMs: options.progressIntervalMs ?? claudine.config.mcp.progressInterval,
    defaultTimeoutMs: options.defaultWaitMs ?? claudine.config.mcp.waitTimeout,
  });
  registerTaskStatus(server, claudine);
  registerListTasks(server, claudine);
  registerTaskLogs(server, claudine);
  registerCancelTask(server, claudine);
  registerRetryTask(server, claudine, onSubmitted);
  registerResumeTask(server, claudine, onSubmitted);
  registerTaskGraph(server, claudine);
  registerTaskDiff(server, claudine);
  registerMergeTask(server, claudine);
  registerUpdateDependencies(server, claudine);
  registerTaskMetrics(server, claudine);
  registerSystemMetrics(server, claudine);
  registerTaskLogResource(server, claudine);
  const subscriptions = registerLogSubscriptions(server, claudine, watch);

  server.server.onclose = () => {
    notifier.close();
    subscriptions.close();
    if (ownWatch) watch.close();
  };
  return server;
}
