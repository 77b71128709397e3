import { isClaudineError, isTaskId, type Task } from '@claudine/core';
import { type Claudine, formatBytes, graphNodeState, taskTitle, watchTaskLog } from '@claudine/runtime';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  McpError,
  type ReadResourceResult,
  type Resource,
  type ResourceLink,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { outputProblems, outputStreams, readLogPage } from './log-page.js';
import type { TaskWatch, Unfollow } from './task-watch.js';
import { type Throttled, throttle } from './throttle.js';

/** The URI template of task logs. */
export const TASK_LOG_TEMPLATE = 'claudine://tasks/{id}/log';

// A resource read is asked for on purpose (an @-mention, a read by the model), so it may be
// larger than a TaskLogs page, but stays bounded: logs can be gigabytes.
const RESOURCE_LINES = 2000;
const RESOURCE_BYTES = 64 * 1024;
// A task that prints without pause would otherwise send an update per write.
const UPDATE_INTERVAL_MS = 1000;
// Tasks offered by resources/list and completion: the most recent ones.
const LISTED_TASKS = 50;

// JSON-RPC error of a resource that does not exist (MCP specification, "Resources").
const RESOURCE_NOT_FOUND = -32002;

const LOG_URI = /^claudine:\/\/tasks\/([^/?#]+)\/log$/;

/** The URI of a task's log resource. */
export function taskLogUri(taskId: string): string {
  return `claudine://tasks/${taskId}/log`;
}

/** The task id in a log resource URI, if it is one. */
export function taskIdOfLogUri(uri: string): string | undefined {
  return LOG_URI.exec(uri)?.[1];
}

/** A `resource_link` to a task's log, for tool results. */
export function taskLogLink(task: Task): ResourceLink {
  return { type: 'resource_link', ...taskLogResource(task) };
}

function taskLogResource(task: Task): Resource {
  return {
    uri: taskLogUri(task.id),
    name: `task-${task.id}-log`,
    title: `Log of task ${task.id}`,
    description: `${graphNodeState(task)} ${task.agent} task: ${taskTitle(task, 80)}`,
    mimeType: 'text/plain',
  };
}

/** Registers the `claudine://tasks/{id}/log` resource template: listable, readable, completable. */
export function registerTaskLogResource(server: McpServer, claudine: Claudine): void {
  const template = new ResourceTemplate(TASK_LOG_TEMPLATE, {
    list: async () => ({ resources: (await claudine.list({ limit: LISTED_TASKS })).tasks.map(taskLogResource) }),
    complete: {
      id: async (value) => (await claudine.list({ limit: LISTED_TASKS })).tasks.map((task) => task.id).filter((id) => id.startsWith(value)),
    },
  });
  server.registerResource(
    'task-log',
    template,
    {
      title: 'Task log',
      description: `The output of a task (for claude tasks, a readable transcript): the last ${RESOURCE_LINES} lines and ${formatBytes(RESOURCE_BYTES)} at most, with the log positions TaskLogs takes to read the rest. Subscribe to hear when it changes.`,
      mimeType: 'text/plain',
    },
    async (uri, variables) => readTaskLog(claudine, uri.toString(), String(variables.id)),
  );
}

async function readTaskLog(claudine: Claudine, uri: string, taskId: string): Promise<ReadResourceResult> {
  const task = await getTask(claudine, taskId);
  const page = await readLogPage(claudine, task, {
    lines: RESOURCE_LINES,
    maxBytes: RESOURCE_BYTES,
    streams: outputStreams('all'),
    transcript: task.agent === 'claude',
  });
  const { startOffset, nextOffset } = page.slice;
  const notes = [
    `[claudine] Task ${task.id} is ${graphNodeState(task)} (${task.agent}).`,
    page.text === '' ? 'No output yet.' : `${page.lineCount} lines, log positions ${startOffset}-${nextOffset}.`,
  ];
  if (startOffset > 0) notes.push(`Earlier output: TaskLogs {"taskId": "${task.id}", "before": ${startOffset}}.`);
  if (task.status === 'queued' || task.status === 'running')
    notes.push('Still running: subscribe to this resource, or wait with WaitForTasks.');
  if (page.truncated !== undefined) notes.push(`Note: ${page.truncated}.`);
  for (const problem of [...(page.slice.damage ?? []).map((damage) => damage.message), ...(await outputProblems(claudine, task))]) {
    notes.push(`Problem: ${problem}`);
  }
  return {
    contents: [
      {
        uri,
        mimeType: 'text/plain',
        text: `${notes.join(' ')}\n${page.text}`,
        _meta: { taskId: task.id, status: task.status, startOffset, nextOffset },
      },
    ],
  };
}

async function getTask(claudine: Claudine, taskId: string): Promise<Task> {
  if (!isTaskId(taskId)) {
    throw new McpError(
      RESOURCE_NOT_FOUND,
      `"${taskId}" is not a task id: task logs are claudine://tasks/<10-character id>/log. ListTasks shows the ids.`,
    );
  }
  try {
    return await claudine.get(taskId);
  } catch (error) {
    if (isClaudineError(error) && error.code === 'not_found') {
      throw new McpError(RESOURCE_NOT_FOUND, `No task has id ${taskId}: ListTasks shows the tasks there are.`);
    }
    throw error;
  }
}

/** One session's subscriptions to task logs. */
export interface LogSubscriptions {
  close(): void;
}

/**
 * Handles resources/subscribe and resources/unsubscribe for one session: a subscribed log sends
 * notifications/resources/updated when the task's output grows (its log directory is watched)
 * or its state changes (the host's change signal), at most once a second per log.
 */
export function registerLogSubscriptions(server: McpServer, claudine: Claudine, watch: TaskWatch): LogSubscriptions {
  const subscriptions = new Map<string, { unfollow: Unfollow; close(): void; updates: Throttled }>();
  const notify = (uri: string): void => {
    server.server.sendResourceUpdated({ uri }).catch(() => {
      // The session is gone; its subscriptions close with it.
    });
  };
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const uri = request.params.uri;
    const taskId = taskIdOfLogUri(uri);
    if (taskId === undefined) {
      throw new McpError(RESOURCE_NOT_FOUND, `Only task logs can be subscribed to (claudine://tasks/<id>/log), not ${uri}.`);
    }
    const task = await getTask(claudine, taskId);
    if (subscriptions.has(uri)) return {};
    const updates = throttle(() => notify(uri), UPDATE_INTERVAL_MS);
    const log = watchTaskLog(claudine.layout, task.id, () => updates.call());
    const unfollow = watch.follow([task], () => {
      // A task that just started has a log to watch now.
      log.retry();
      updates.call();
    });
    subscriptions.set(uri, { unfollow, close: () => log.close(), updates });
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    const subscription = subscriptions.get(request.params.uri);
    if (subscription !== undefined) {
      subscription.unfollow();
      subscription.close();
      subscription.updates.cancel();
      subscriptions.delete(request.params.uri);
    }
    return {};
  });
  return {
    close() {
      for (const subscription of subscriptions.values()) {
        subscription.unfollow();
        subscription.close();
        subscription.updates.cancel();
      }
      subscriptions.clear();
    },
  };
}
