import type { NotificationEvent } from './notification-event.js';
import type { NotifyEventKind } from './notify-settings.js';

/**
 * Whether a channel that listens for `events` notifies of `event`. The task's own flag comes
 * first, then the channel's list:
 *
 * - a task's end: `notify: true` (`claudine run --notify`) sends it, `notify: false`
 *   (`--no-notify`) never does, and otherwise it is sent when the channel's list has its kind;
 * - a workflow's end: sent when any of its tasks says `notify: true`, never when every one of
 *   them says `notify: false`, and otherwise when the channel's list has `workflow`.
 */
export function shouldNotify(event: NotificationEvent, events: readonly NotifyEventKind[]): boolean {
  if (event.kind === 'workflow') {
    const { notifyOn, notifyOff, tasks } = event.workflow;
    if (notifyOn > 0) return true;
    if (notifyOff === tasks) return false;
    return events.includes('workflow');
  }
  if (event.task.notify !== null) return event.task.notify;
  return events.includes(event.kind);
}
