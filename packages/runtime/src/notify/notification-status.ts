import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lazySchema } from '@claudine/core';
import * as z from 'zod';
import type { DataLayout } from '../config/data-directory.js';
import { NOTIFICATION_CHANNELS } from './notification-channel.js';

/** The last notification that could not be delivered. */
export const DeliveryErrorSchema = lazySchema(() =>
  z.object({
    channel: z.enum(NOTIFICATION_CHANNELS),
    /** When it was given up on (ms since the epoch). */
    at: z.number(),
    /** What went wrong; never a secret (no webhook URL). */
    message: z.string(),
    /** The event it was about. */
    event: z.string(),
    taskId: z.string(),
  }),
);
/** See {@link DeliveryErrorSchema}. */
export type DeliveryError = z.infer<typeof DeliveryErrorSchema>;

/**
 * How the host's notifications are doing, as it last wrote it (`<data dir>/notifications.json`,
 * 0600): the channels on, counts since the host started, and the last delivery error (kept
 * across hosts until a newer one replaces it).
 */
export const NotificationStatusSchema = lazySchema(() =>
  z.object({
    /** The host that wrote it. */
    hostId: z.string(),
    updatedAt: z.number(),
    channels: z.array(z.enum(NOTIFICATION_CHANNELS)),
    delivered: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    /** Dropped unsent: a full queue, or still queued when the host stopped. */
    dropped: z.number().int().nonnegative(),
    lastError: DeliveryErrorSchema.nullable(),
  }),
);
/** See {@link NotificationStatusSchema}. */
export type NotificationStatus = z.infer<typeof NotificationStatusSchema>;

/** Where the host keeps its {@link NotificationStatus}. */
export function notificationStatusPath(layout: DataLayout): string {
  return join(layout.root, 'notifications.json');
}

/**
 * Reads what the host last wrote about its notifications. Undefined when no host ever sent any
 * (or the file is unreadable: the status is informative, never a reason to fail a command).
 */
export function readNotificationStatus(layout: DataLayout): NotificationStatus | undefined {
  try {
    const parsed = NotificationStatusSchema.safeParse(JSON.parse(readFileSync(notificationStatusPath(layout), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the status atomically (a private file renamed over the old one). Throws what the file system throws. */
export function writeNotificationStatus(layout: DataLayout, status: NotificationStatus): void {
  const path = notificationStatusPath(layout);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
