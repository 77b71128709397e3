import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { formatDuration } from '@claudine/core';
import { deliverOnce } from './deliver-once.js';
import type { NotificationChannel } from './notification-channel.js';
import type { NotifyEventKind } from './notify-settings.js';

/** The header that carries a webhook request's signature when `notify.webhookSecret` is set. */
export const SIGNATURE_HEADER = 'X-Claudine-Signature';

// What of an error answer's body is kept for the message (Slack says why in a word or two).
const ANSWER_EXCERPT_BYTES = 200;

/** Settings of {@link createWebhookChannel}. */
export interface WebhookChannelOptions {
  /** Where to POST (`notify.webhook`): http or https. */
  readonly url: string;
  /** The signing key (`notify.webhookSecret`), if requests are signed. */
  readonly secret?: string;
  readonly events: readonly NotifyEventKind[];
  /** How long one request may take, connection to last byte of the answer. */
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** Seconds since the epoch go into each signature (default: now). */
  readonly now?: () => number;
}

/**
 * The signature of a webhook request: `t=<unix seconds>,v1=<hex>`, where the hex is the
 * HMAC-SHA256, keyed with the secret, of the bytes `<t>.<body>` (the timestamp as decimal
 * text, a full stop, then the exact body sent). A receiver recomputes it, compares in constant
 * time, and refuses a `t` too far from its own clock (a replayed request).
 */
export function signWebhookBody(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/**
 * The webhook channel: each notification is POSTed as JSON, signed when a secret is set, with
 * `X-Claudine-Event` (its kind) and `X-Claudine-Delivery` (the same on every attempt of it, so a
 * receiver can drop repeats). 2xx is success; a network error, a timeout, 5xx and 429 may be
 * retried; anything else (a redirect, another 4xx) will not pass by trying again. Messages name
 * the host at most, never the URL's path or query, where tokens live.
 */
export function createWebhookChannel(options: WebhookChannelOptions): NotificationChannel {
  const url = new URL(options.url);
  const transport = url.protocol === 'https:' ? https : http;
  const now = options.now ?? (() => Date.now());
  const hide = (text: string): string => hideUrl(text, url);
  return {
    name: 'webhook',
    events: options.events,
    maxAttempts: options.maxAttempts,
    deliver(notification, signal) {
      const body = Buffer.from(notification.body, 'utf8');
      const headers: Record<string, string> = {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(body.length),
        'User-Agent': 'Claudine-Notify/1',
        'X-Claudine-Event': notification.payload.event,
        'X-Claudine-Delivery': notification.id,
      };
      if (options.secret !== undefined) {
        headers[SIGNATURE_HEADER] = signWebhookBody(options.secret, Math.floor(now() / 1000), notification.body);
      }
      return deliverOnce(signal, options.timeoutMs, (settle) => {
        // agent: false: a connection per request, closed after it, so nothing lingers once the
        // host stops and a dead receiver's sockets are not reused.
        const request = transport.request(url, { method: 'POST', headers, agent: false }, (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            response.resume();
            response.on('end', () => settle({ ok: true }));
            response.on('error', () => settle({ ok: true }));
            return;
          }
          const chunks: Buffer[] = [];
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            if (kept >= ANSWER_EXCERPT_BYTES) return;
            chunks.push(chunk);
            kept += chunk.length;
          });
          const answered = (): void => {
            const excerpt = Buffer.concat(chunks).subarray(0, ANSWER_EXCERPT_BYTES).toString('utf8').replaceAll(/\s+/g, ' ').trim();
            const said = `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}${excerpt === '' ? '' : `: ${excerpt}`}`;
            if (status === 429 || status >= 500) {
              const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
              settle({
                ok: false,
                retry: true,
                message: hide(`the webhook answered ${said}`),
                ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
              });
            } else if (status >= 300 && status < 400) {
              settle({
                ok: false,
                retry: false,
                message: hide(`the webhook answered ${said}; redirects are not followed: set notify.webhook to the final URL`),
              });
            } else settle({ ok: false, retry: false, message: hide(`the webhook answered ${said}`) });
          };
          response.on('end', answered);
          response.on('error', answered);
        });
        request.on('error', (error: NodeJS.ErrnoException) => {
          settle({
            ok: false,
            retry: true,
            message: hide(
              `the webhook could not be reached: ${error.code ?? error.message}${error.code === undefined ? '' : ` (${error.message})`}`,
            ),
          });
        });
        return {
          stop: () => request.destroy(),
          timedOut: { ok: false, retry: true, message: `the webhook did not answer within ${formatDuration(options.timeoutMs)}` },
          abandoned: { ok: false, retry: false, message: 'the webhook request was abandoned: the host is stopping' },
          begin: () => request.end(body),
        };
      });
    },
  };
}

// Retry-After is seconds or an HTTP date.
function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// Error texts of the network stack name the host and port; should one ever carry more of the
// URL, its path and query (where tokens live) are cut out here.
function hideUrl(text: string, url: URL): string {
  let hidden = text.replaceAll(url.href, `${url.protocol}//${url.host}/(hidden)`);
  const secretPart = `${url.pathname}${url.search}`;
  if (secretPart.length > 1) hidden = hidden.replaceAll(secretPart, '/(hidden)');
  return hidden;
}
