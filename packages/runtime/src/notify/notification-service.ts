import { randomUUID } from 'node:crypto';
import type { Task } from '@claudine/core';
import { formatDuration } from '@claudine/core';
import type { DataLayout } from '../config/data-directory.js';
import { createCommandChannel } from './command-channel.js';
import { createDeliveryQueue, type DeliveryQueue } from './delivery-queue.js';
import { createDesktopChannel } from './desktop-channel.js';
import type { Notification, NotificationChannel, NotificationChannelName } from './notification-channel.js';
import { type NotificationEvent, taskEndEvent, type WorkflowCounts, workflowEndEvent } from './notification-event.js';
import { shouldNotify } from './notification-filter.js';
import { notificationPayload } from './notification-payload.js';
import { type DeliveryError, type NotificationStatus, readNotificationStatus, writeNotificationStatus } from './notification-status.js';
import type { NotifySettings } from './notify-settings.js';
import { createWebhookChannel } from './webhook-channel.js';

// How long a stopping host lets queued notifications go out: long enough for a webhook's
// answer, short enough that `claudine host stop` does not seem to hang on a dead one.
const STOP_GRACE_MS = 3000;
// A webhook retried with doubling delays waits at most this long between two tries.
const MAX_RETRY_DELAY_MS = 10 * 60_000;
// Drops are logged once each time they start, then at most this often while they go on.
const DROP_LOG_INTERVAL_MS = 60_000;
// Workflows already announced, remembered so that two ends seen together announce once.
const ANNOUNCED_WORKFLOWS = 1000;
// Status writes are gathered: the file is informative, a burst of deliveries writes it once.
const STATUS_WRITE_DELAY_MS = 200;

/** What {@link createNotificationService} needs. */
export interface NotificationServiceOptions {
  readonly settings: NotifySettings;
  /** The shell of the command hook (`agents.command.shell`). */
  readonly shell: string;
  readonly layout: DataLayout;
  readonly hostId: string;
  /** The environment of notify-send and the command hook (the host's). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Counts the workflow of a task by state (`SqliteTaskStore.workflowSummary`). */
  readonly readWorkflow: (taskId: string) => Promise<WorkflowCounts | undefined>;
  readonly log: (line: string) => void;
  /** How long {@link NotificationService.stop} lets queued notifications go out (default 3 s). */
  readonly stopGraceMs?: number;
}

/**
 * The host's notifications: told of every task that ends, it decides what to send on which
 * channel (see `shouldNotify`), notices when a workflow as a whole has ended, and hands each
 * notification to the channel's {@link DeliveryQueue}. Nothing it does can block or stop the
 * host: {@link NotificationService.taskFinished} returns at once and never throws, deliveries
 * run on their own, and every failure is caught, logged, and recorded as the last delivery
 * error (`readNotificationStatus`).
 */
export interface NotificationService {
  /** The channels configured. Empty: the service does nothing. */
  readonly channels: readonly NotificationChannelName[];
  start(): void;
  /** A task reached a terminal state (the scheduler's `task_finished`). */
  taskFinished(task: Task): void;
  /** Lets queued notifications go out for a few seconds, then drops the rest; writes the status. */
  stop(): Promise<void>;
}

/** Creates the {@link NotificationService} of a host. */
export function createNotificationService(options: NotificationServiceOptions): NotificationService {
  const { settings, log } = options;
  const channels = configuredChannels(options);
  const queues = new Map<NotificationChannelName, DeliveryQueue>();
  const previous = channels.length > 0 ? readNotificationStatus(options.layout) : undefined;
  let delivered = 0;
  let failed = 0;
  let lastError: DeliveryError | null = previous?.lastError ?? null;
  let started = false;
  let stopped = false;
  let desktopFailureLogged = false;
  const lastDropLog = new Map<NotificationChannelName, number>();

  let statusTimer: NodeJS.Timeout | undefined;
  const writeStatus = (): void => {
    clearTimeout(statusTimer);
    statusTimer = undefined;
    const status: NotificationStatus = {
      hostId: options.hostId,
      updatedAt: Date.now(),
      channels: channels.map((channel) => channel.name),
      delivered,
      failed,
      dropped: [...queues.values()].reduce((total, queue) => total + queue.dropped, 0),
      lastError,
    };
    try {
      writeNotificationStatus(options.layout, status);
    } catch (error) {
      log(`notify: could not record the notification status: ${(error as Error).message}`);
    }
  };
  const statusChanged = (): void => {
    if (statusTimer !== undefined || stopped) return;
    statusTimer = setTimeout(writeStatus, STATUS_WRITE_DELAY_MS);
    statusTimer.unref();
  };

  for (const channel of channels) {
    queues.set(
      channel.name,
      createDeliveryQueue({
        channel,
        capacity: settings.queueSize,
        backoff: { baseDelayMs: settings.webhookRetryDelay, maxDelayMs: Math.max(settings.webhookRetryDelay, MAX_RETRY_DELAY_MS) },
        onDelivered() {
          delivered += 1;
          statusChanged();
        },
        onRetry(notification, message, attempt, delayMs) {
          log(
            `notify: ${channel.name}, ${describe(notification)}: ${message}; try ${attempt + 1} of ${channel.maxAttempts} in ${formatDuration(delayMs)}`,
          );
        },
        onFailed(notification, message, attempts) {
          failed += 1;
          lastError = {
            channel: channel.name,
            at: Date.now(),
            message,
            event: notification.payload.event,
            taskId: notification.payload.task.id,
          };
          statusChanged();
          if (channel.name === 'desktop') {
            if (desktopFailureLogged) return;
            desktopFailureLogged = true;
            log(
              `notify: desktop notifications do not work here: ${message}. Later failures are not logged (claudine status shows the last); set notify.desktop false to stop trying.`,
            );
            return;
          }
          log(`notify: ${channel.name} gave up on ${describe(notification)}${attempts > 1 ? ` after ${attempts} tries` : ''}: ${message}`);
        },
        onDropped(notification, reason, total) {
          statusChanged();
          const now = Date.now();
          const last = lastDropLog.get(channel.name);
          if (last !== undefined && now - last < DROP_LOG_INTERVAL_MS && reason === 'full') return;
          lastDropLog.set(channel.name, now);
          log(
            reason === 'full'
              ? `notify: ${channel.name} is behind: its queue is full (notify.queueSize ${settings.queueSize}), ${describe(notification)} was dropped; ${total} dropped so far`
              : `notify: ${channel.name}: ${describe(notification)} was dropped unsent, the host is stopping; ${total} dropped so far`,
          );
        },
      }),
    );
  }

  const send = (event: NotificationEvent): void => {
    const targets = channels.filter((channel) => shouldNotify(event, channel.events));
    if (targets.length === 0) return;
    const payload = notificationPayload(event);
    const notification: Notification = { event, payload, body: JSON.stringify(payload), id: randomUUID() };
    for (const channel of targets) queues.get(channel.name)?.push(notification);
  };

  // Workflow checks run one at a time, after the task's own notification: each is one read of
  // the store, never on the scheduler's path.
  const toCheck: Task[] = [];
  const announced = new Set<string>();
  // `checking` changes in the same step that finds nothing left, so no end waits unchecked.
  let checking = false;
  let checks: Promise<void> = Promise.resolve();
  const checkWorkflows = async (): Promise<void> => {
    try {
      for (let task = toCheck.shift(); task !== undefined; task = toCheck.shift()) {
        let counts: WorkflowCounts | undefined;
        try {
          counts = await options.readWorkflow(task.id);
        } catch (error) {
          log(`notify: could not read the workflow of task ${task.id}: ${(error as Error).message}`);
          continue;
        }
        if (counts === undefined) continue;
        const event = workflowEndEvent(task, counts, Date.now());
        if (event === undefined) continue;
        // Two tasks ending together may both see the workflow ended; it ended once.
        const key = `${counts.firstTaskId}:${counts.lastFinishedAt ?? 0}`;
        if (announced.has(key)) continue;
        announced.add(key);
        if (announced.size > ANNOUNCED_WORKFLOWS) announced.delete(announced.values().next().value as string);
        send(event);
      }
    } finally {
      checking = false;
    }
  };

  return {
    channels: channels.map((channel) => channel.name),
    start() {
      if (started || channels.length === 0) return;
      started = true;
      log(`notify: ${channels.map((channel) => `${channel.name} (${channel.events.join(', ') || 'only tasks that ask'})`).join(', ')}`);
      writeStatus();
    },
    taskFinished(task) {
      if (!started || stopped) return;
      try {
        const event = taskEndEvent(task, Date.now());
        if (event === undefined) return;
        send(event);
        // Bounded like the queues: a flood of ends while the store is slow drops the oldest checks.
        if (toCheck.length >= settings.queueSize) toCheck.shift();
        toCheck.push(task);
        if (!checking) {
          checking = true;
          checks = checkWorkflows();
        }
      } catch (error) {
        log(`notify: could not notify of task ${task.id}: ${(error as Error).message}`);
      }
    },
    async stop() {
      if (!started || stopped) return;
      // The ends already heard of may still end a workflow: those checks finish first.
      await checks;
      await Promise.all([...queues.values()].map((queue) => queue.stop(options.stopGraceMs ?? STOP_GRACE_MS)));
      stopped = true;
      writeStatus();
    },
  };
}

function configuredChannels(options: NotificationServiceOptions): NotificationChannel[] {
  const { settings } = options;
  const channels: NotificationChannel[] = [];
  if (settings.desktop) {
    channels.push(createDesktopChannel({ events: settings.desktopEvents ?? settings.events, environment: options.environment }));
  }
  if (settings.webhook !== undefined) {
    channels.push(
      createWebhookChannel({
        url: settings.webhook,
        ...(settings.webhookSecret === undefined ? {} : { secret: settings.webhookSecret }),
        events: settings.webhookEvents ?? settings.events,
        timeoutMs: settings.webhookTimeout,
        maxAttempts: settings.webhookAttempts,
      }),
    );
  }
  if (settings.command !== undefined) {
    channels.push(
      createCommandChannel({
        command: settings.command,
        shell: options.shell,
        events: settings.commandEvents ?? settings.events,
        timeoutMs: settings.commandTimeout,
        cwd: options.layout.root,
        environment: options.environment,
        log: options.log,
      }),
    );
  }
  return channels;
}

function describe(notification: Notification): string {
  const { payload } = notification;
  return payload.workflow === null
    ? `the notification of task ${payload.task.id} (${payload.event})`
    : `the notification of workflow ${payload.workflow.id} (${payload.workflow.outcome})`;
}
