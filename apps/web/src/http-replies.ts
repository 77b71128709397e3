import type { ServerResponse } from 'node:http';
import { isClaudineError } from '@claudine/core';
import type { ErrorResponse } from './api-types.js';

// The page loads only its own bundle and talks only to this server: nothing inline, no other
// origin, never framed (clickjacking of the action buttons).
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // uPlot and Preact set style attributes from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every answer carries. */
export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/** Answers with JSON (never cached: it is live state). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...securityHeaders(),
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/** Answers with an error the page shows as it is: `error` says what went wrong and what to do. */
export function sendError(response: ServerResponse, status: number, code: string, error: string): void {
  const body: ErrorResponse = { error, code };
  sendJson(response, status, body);
}

/** Answers with an HTML page. */
export function sendHtml(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...securityHeaders(),
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(html);
}

const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  dependency_cycle: 409,
  illegal_transition: 409,
  storage_locked: 503,
};

/** Answers with what a thrown error says: a `ClaudineError` keeps its message and code. */
export function sendFailure(response: ServerResponse, error: unknown): void {
  if (isClaudineError(error)) {
    sendError(response, STATUS_OF_CODE[error.code] ?? 500, error.code, error.message);
    return;
  }
  sendError(response, 500, 'internal', `The dashboard failed: ${error instanceof Error ? error.message : String(error)}`);
}
