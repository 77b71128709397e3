import type { IncomingMessage } from 'node:http';
import { isAuthorized, refuseNonLoopbackRequest, tokensEqual } from '@claudine/runtime';

/** How long the browser keeps the session cookie. */
const COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600;

/**
 * The cookie's name. Cookies are not kept apart by port, so two dashboards of two data
 * directories on one machine would overwrite each other's cookie under one name.
 */
export function sessionCookieName(port: number): string {
  return `claudine_dashboard_${port}`;
}

/**
 * The `Set-Cookie` value that holds the token: HttpOnly (no script, so no injected script, can
 * read it), SameSite=Strict (no other site's page can make the browser send it), for every path.
 * Not `Secure`: the dashboard is plain HTTP on loopback, which never leaves the machine.
 */
export function sessionCookie(port: number, token: string): string {
  return `${sessionCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_SECONDS}`;
}

/** What {@link checkRequest} decided. */
export type AccessDecision =
  | { readonly kind: 'allowed' }
  /** A request from elsewhere than this machine's own page: 403. */
  | { readonly kind: 'forbidden'; readonly reason: string }
  /** No valid token: 401. */
  | { readonly kind: 'unauthorized' };

/**
 * Checks a request in the order that matters: Host and Origin first (DNS rebinding, other local
 * pages), then the token, from the session cookie or an `Authorization: Bearer` header (for
 * scripts). An Origin, when the browser sends one, must be this server's own; a POST must carry
 * one, since only this page may act (other pages on other local ports are "same site" to the
 * cookie, so SameSite alone would let them).
 */
export function checkRequest(
  request: IncomingMessage,
  port: number,
  token: string,
  options: { readonly needsToken: boolean },
): AccessDecision {
  const host = request.headers.host;
  const origin = single(request.headers.origin);
  const refusal = refuseNonLoopbackRequest(host, origin);
  if (refusal !== undefined) return { kind: 'forbidden', reason: refusal };
  if (origin !== undefined && !isOwnOrigin(origin, port)) {
    return { kind: 'forbidden', reason: `Origin ${origin} is not this dashboard (port ${port}): only its own page may call it.` };
  }
  if (request.method === 'POST' && origin === undefined) {
    return { kind: 'forbidden', reason: 'A POST needs an Origin header: actions are taken from the dashboard page only.' };
  }
  if (!options.needsToken) return { kind: 'allowed' };
  const cookie = readCookie(request.headers.cookie, sessionCookieName(port));
  if (cookie !== undefined && tokensEqual(cookie, token)) return { kind: 'allowed' };
  if (isAuthorized(single(request.headers.authorization), token)) return { kind: 'allowed' };
  return { kind: 'unauthorized' };
}

function isOwnOrigin(origin: string, port: number): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && Number(url.port || 80) === port;
  } catch {
    return false;
  }
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
