import type { NotificationEvent } from './notification-event.js';
import type { NotificationPayload } from './notification-payload.js';
import type { NotifyEventKind } from './notify-settings.js';

/** The ways a notification goes out. */
export const NOTIFICATION_CHANNELS = ['desktop', 'webhook', 'command'] as const;
/** A way a notification goes out; see {@link NOTIFICATION_CHANNELS}. */
export type NotificationChannelName = (typeof NOTIFICATION_CHANNELS)[number];

/** One notification to deliver: the event, its payload, and the payload as the JSON text sent. */
export interface Notification {
  readonly event: NotificationEvent;
  readonly payload: NotificationPayload;
  /** `payload` as JSON: the exact bytes a webhook signs and sends, and a hook reads on stdin. */
  readonly body: string;
  /** Names this notification across its attempts (the webhook's `X-Claudine-Delivery`). */
  readonly id: string;
}

/** How one attempt went. A failure says whether trying again could help. */
export type DeliveryOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** True for what may pass (a network error, a 5xx or 429 answer); false for what will not. */
      readonly retry: boolean;
      /** What went wrong, fit for a log: it never holds a secret (no webhook URL). */
      readonly message: string;
      /** How long the other side asked us to wait (`Retry-After`), if it did. */
      readonly retryAfterMs?: number;
    };

/**
 * A way of delivering notifications. `deliver` never throws: every failure comes back as an
 * outcome. It gives up when `signal` aborts (the host is stopping).
 */
export interface NotificationChannel {
  readonly name: NotificationChannelName;
  /** The events this channel is for (its own list, else `notify.events`). */
  readonly events: readonly NotifyEventKind[];
  /** Most attempts of one notification (1: no retry). */
  readonly maxAttempts: number;
  deliver(notification: Notification, signal: AbortSignal): Promise<DeliveryOutcome>;
}
