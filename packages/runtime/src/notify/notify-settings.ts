import { lazySchema } from '@claudine/core';
import * as z from 'zod';
import { duration, secret } from '../config/setting-values.js';

/**
 * The kinds of event a notification is sent for: a task's end (`timed_out` is a failure by
 * timeout, told apart because it usually needs a different fix), and the end of a workflow.
 */
export const NOTIFY_EVENT_KINDS = ['completed', 'failed', 'timed_out', 'cancelled', 'workflow'] as const;
/** A kind of notification event; see {@link NOTIFY_EVENT_KINDS}. */
export type NotifyEventKind = (typeof NOTIFY_EVENT_KINDS)[number];

const EVENT_LIST_HELP = `a comma-separated list of ${NOTIFY_EVENT_KINDS.join(', ')}, or all, or none`;

// A list of event kinds, as a JSON array in the file or as text (`failed,timed_out`, `all`,
// `none`) in a variable or `config set`.
const eventListInput = z.union([z.string(), z.array(z.string())]);

function toEventKinds(value: string | readonly string[], context: z.RefinementCtx): NotifyEventKind[] {
  const items = (typeof value === 'string' ? value.split(',') : value).map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 1 && items[0] === 'all') return [...NOTIFY_EVENT_KINDS];
  if (items.length === 1 && items[0] === 'none') return [];
  const unknown = items.filter((item) => !(NOTIFY_EVENT_KINDS as readonly string[]).includes(item));
  if (unknown.length > 0) {
    context.addIssue({
      code: 'custom',
      message: `unknown event ${unknown.map((item) => `"${item}"`).join(', ')}: give ${EVENT_LIST_HELP}`,
    });
    return z.NEVER;
  }
  return [...new Set(items as NotifyEventKind[])];
}

// An http(s) URL. The message never repeats the value: a webhook URL usually carries a token.
const webhookUrl = z.string().refine((value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol), {
  message: 'give an http:// or https:// URL (for Slack: the incoming webhook URL Slack gave you)',
});

/**
 * The `notify.*` settings: which channels are on (a desktop notification through
 * `notify-send`, a webhook, a command hook), which events each one hears of (its own list, else
 * `notify.events`), and how long each may take. With no channel set, nothing is sent.
 */
export const notifySettings = lazySchema(() =>
  z
    .object({
      events: eventListInput
        .default('all')
        .transform(toEventKinds)
        .describe(`Events every channel notifies of unless it has its own list: ${EVENT_LIST_HELP}.`),
      desktop: z.boolean().default(false).describe('Desktop notifications through notify-send (Linux), where it exists.'),
      desktopEvents: eventListInput
        .transform(toEventKinds)
        .optional()
        .describe('Events of desktop notifications (default: notify.events).'),
      webhook: secret(webhookUrl.optional(), 'url').describe(
        'POST each notification as JSON (with a `text` field, as Slack expects) to this URL. Shown masked.',
      ),
      webhookSecret: secret(z.string().min(1).optional()).describe(
        'Signs each webhook request (HMAC-SHA256, header X-Claudine-Signature). Shown masked.',
      ),
      webhookEvents: eventListInput
        .transform(toEventKinds)
        .optional()
        .describe('Events the webhook is called for (default: notify.events).'),
      webhookTimeout: duration('10s').describe('How long one webhook request may take.'),
      webhookAttempts: z
        .number()
        .int()
        .min(1)
        .max(20)
        .default(5)
        .describe('Most tries of one webhook notification (network errors, 5xx and 429 are retried).'),
      webhookRetryDelay: duration('1s').describe('Delay before the second try of a webhook notification; doubles each time.'),
      command: z.string().min(1).optional().describe('A shell command run for each notification, with it as JSON on stdin (a hook).'),
      commandEvents: eventListInput.transform(toEventKinds).optional().describe('Events the command is run for (default: notify.events).'),
      commandTimeout: duration('30s').describe('How long the command may run before its process group is killed.'),
      queueSize: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(200)
        .describe('Notifications each channel holds while it is slow; beyond it the oldest are dropped (and counted).'),
    })
    .strict()
    .prefault({})
    .refine((value) => value.webhookTimeout >= 100 && value.commandTimeout >= 100, {
      message: 'notify.webhookTimeout and notify.commandTimeout must be at least 100ms',
    }),
);

/** Resolved `notify.*` settings. */
export type NotifySettings = z.output<typeof notifySettings>;
