import type { TaskFinishedEvent } from '../src/api-types.js';
import { onTaskFinished } from './live.js';
import { navigate } from './router.js';

/** Whether browser notifications can be shown, and whether the user allowed them. */
export type NotificationState = 'unsupported' | 'default' | 'granted' | 'denied';

/** Where notifications stand in this browser. */
export function notificationState(): NotificationState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the user (only ever from a click: browsers refuse to ask otherwise). */
export async function askForNotifications(): Promise<NotificationState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return await Notification.requestPermission();
}

const WORDS: Readonly<Record<string, string>> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'was cancelled',
};

/**
 * Shows a notification when a task ends (completed, failed, cancelled), once allowed. Clicking
 * it brings this tab forward on the task's page.
 */
export function startTaskNotifications(): () => void {
  return onTaskFinished((task: TaskFinishedEvent) => {
    if (notificationState() !== 'granted') return;
    const reason = task.status === 'failed' && task.failureReason !== null ? ` (${task.failureReason.replaceAll('_', ' ')})` : '';
    const notification = new Notification(`Task ${task.id} ${WORDS[task.status] ?? task.status}${reason}`, {
      body: task.title,
      tag: `claudine-${task.id}`,
      icon: '/assets/favicon.svg',
    });
    notification.addEventListener('click', () => {
      window.focus();
      navigate(`/tasks/${task.id}`);
      notification.close();
    });
  });
}
