import type { ServerResponse } from 'node:http';
import { securityHeaders } from './http-replies.js';

/** A server-sent events response. */
export interface EventStream {
  /** Sends one event; `id` is what the browser sends back as `Last-Event-ID` when it reconnects. */
  send(event: string, data: unknown, id?: string): void;
  /** Bytes written but not yet taken by the client: a reader that cannot keep up. */
  readonly buffered: number;
  /** True once the client went away or {@link EventStream.end} was called. */
  readonly closed: boolean;
  end(): void;
}

/**
 * Starts a server-sent events answer. `retryMs` is how soon the browser reconnects after the
 * stream breaks.
 */
export function openEventStream(
  response: ServerResponse,
  options: { readonly retryMs?: number; readonly onClose?: () => void } = {},
): EventStream {
  let closed = false;
  response.writeHead(200, {
    ...securityHeaders(),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${options.retryMs ?? 1000}\n\n`);
  response.once('close', () => {
    closed = true;
    options.onClose?.();
  });
  return {
    send(event, data, id) {
      if (closed) return;
      const lines = [`event: ${event}`];
      if (id !== undefined) lines.push(`id: ${id}`);
      // JSON has no raw newlines, so one data line holds it.
      lines.push(`data: ${JSON.stringify(data)}`);
      response.write(`${lines.join('\n')}\n\n`);
    },
    get buffered() {
      return response.writableLength;
    },
    get closed() {
      return closed;
    },
    end() {
      if (closed) return;
      closed = true;
      response.end();
    },
  };
}
