import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClaudineError } from '@claudine/core';
import { isAuthorized } from '../config/access-token.js';
import type { MetricsListenAddress } from '../config/metrics-config.js';
import { refuseNonLoopbackRequest } from '../loopback-request-check.js';

/** A running `/metrics` endpoint. */
export interface MetricsEndpoint {
  /** The address it listens on (the port is the real one when 0 was asked for). */
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

/**
 * Serves `render()` as Prometheus text at `GET /metrics` on a loopback address. Requests whose
 * `Host` or `Origin` header names anything but this machine are refused (403), so a web page
 * cannot read the figures through DNS rebinding; then every request needs
 * `Authorization: Bearer <accessToken()>` (401 without it), so another account of this machine
 * cannot either. The token is asked for at each request, so a rotation applies at once.
 * Throws `conflict` when the port is taken.
 */
export async function serveMetrics(
  address: MetricsListenAddress,
  render: () => Promise<string>,
  accessToken: () => string | undefined,
): Promise<MetricsEndpoint> {
  const server = createServer((request, response) => {
    void respond(request, response, render, accessToken);
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

async function respond(
  request: IncomingMessage,
  response: ServerResponse,
  render: () => Promise<string>,
  accessToken: () => string | undefined,
): Promise<void> {
  const origin = request.headers.origin;
  const refusal = refuseNonLoopbackRequest(request.headers.host, Array.isArray(origin) ? origin[0] : origin);
  if (refusal !== undefined) return send(response, 403, `Forbidden: ${refusal} Use http://127.0.0.1:<port>/metrics\n`);
  let token: string | undefined;
  try {
    token = accessToken();
  } catch (error) {
    return send(response, 500, `Could not read the access token: ${(error as Error).message}\n`);
  }
  const authorization = request.headers.authorization;
  if (token === undefined || !isAuthorized(authorization, token)) {
    return send(
      response,
      401,
      'Unauthorized: send the header "Authorization: Bearer <token>". The user who runs the host prints the token with `claudine mcp token`; in a Prometheus scrape config, give it as authorization.credentials_file.\n',
      { 'www-authenticate': authorization === undefined ? 'Bearer realm="claudine"' : 'Bearer realm="claudine", error="invalid_token"' },
    );
  }
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

function send(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(text);
}
