import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A request the receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  readonly body: string;
  readonly receivedAt: number;
}

/**
 * How the receiver answers a request: a status code (with an empty JSON body), or `hang`:
 * read the request and never answer.
 */
export type ReceiverAnswer = number | 'hang';

/** A local HTTP server standing in for Slack or any webhook receiver. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook?token=...`: the token makes sure it is never printed. */
  readonly url: string;
  readonly requests: readonly ReceivedRequest[];
  /** Decides the answer to each request (default: 200); `index` counts requests from 0. */
  answer: (request: ReceivedRequest, index: number) => ReceiverAnswer;
  /** Waits until `count` requests have arrived (10 s at most) and returns them. */
  received(count: number, timeoutMs?: number): Promise<readonly ReceivedRequest[]>;
  close(): Promise<void>;
}

/** The token in every receiver's URL: tests check that it never shows. */
export const WEBHOOK_TOKEN = 'T0KEN-in-the-url-4f7c';

/** Starts a {@link WebhookReceiver} on 127.0.0.1 on a free port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const index = requests.length;
      requests.push(received);
      for (const waiter of waiters) waiter();
      const answer = receiver.answer(received, index);
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(answer, { 'Content-Type': 'application/json' });
      response.end(answer >= 400 ? '{"error":"test receiver says no"}' : '{}');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the webhook receiver has no port');
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${address.port}/hook?token=${WEBHOOK_TOKEN}`,
    requests,
    answer: () => 200,
    received(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve([...requests]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the webhook receiver got ${requests.length} requests, not ${count}, within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...requests]);
        };
        waiters.add(check);
      });
    },
    async close() {
      for (const response of hanging) response.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/**
 * Checks a request's `X-Claudine-Signature` the way a receiver should: recompute the HMAC of
 * `<t>.<body>` and compare in constant time. Returns the timestamp it carries, or undefined
 * when the signature is missing or wrong.
 */
export function verifyWebhookSignature(request: ReceivedRequest, secret: string): number | undefined {
  const header = request.headers['x-claudine-signature'];
  if (typeof header !== 'string') return undefined;
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (match === null) return undefined;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest();
  const given = Buffer.from(match[2] as string, 'hex');
  return timingSafeEqual(expected, given) ? Number(match[1]) : undefined;
}
