import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClaudineError } from '@claudine/core';
import type { MetricsListenAddress } from './metrics-config.js';

/** A running `/metrics` endpoint. */
export interface MetricsEndpoint {
  /** The address it listens on (the port is the real one when 0 was asked for). */
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

const ALLOWED_HOST_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Serves `render()` as Prometheus text at `GET /metrics` on a loopback address. Requests whose
 * `Host` header names anything but a loopback address are refused, so a web page cannot read
 * the figures through DNS rebinding. Throws `conflict` when the port is taken.
 */
export async function serveMetrics(address: MetricsListenAddress, render: () => Promise<string>): Promise<MetricsEndpoint> {
  const server = createServer((request, response) => {
    void respond(request, response, render);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ClaudineError(
          'conflict',
          `Could not serve metrics on ${address.host}:${address.port} (${error.code ?? error.message}): pick another port with metrics.listen or --metrics-port.`,
          { cause: error },
        ),
      );
    });
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: address.host, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(request: IncomingMessage, response: ServerResponse, render: () => Promise<string>): Promise<void> {
  const hostName = (request.headers.host ?? '').replace(/:\d+$/, '');
  if (!ALLOWED_HOST_NAMES.has(hostName)) return send(response, 403, 'Forbidden: use http://127.0.0.1:<port>/metrics\n');
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics') return send(response, 404, 'Not found: the metrics are at /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'Method not allowed: use GET\n');
  try {
    const body = await render();
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    send(response, 500, `Could not read the metrics: ${(error as Error).message}\n`);
  }
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}
