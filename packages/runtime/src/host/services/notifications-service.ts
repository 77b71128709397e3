import type { NotificationService } from '../../notify/notification-service.js';
import type { HostService } from './host-service.js';

/** Notifications as a host service; stop lets queued deliveries go out within their grace. */
export function notificationsService(notifications: NotificationService): HostService {
  return { name: 'notifications', start: () => notifications.start(), stop: () => notifications.stop() };
}
