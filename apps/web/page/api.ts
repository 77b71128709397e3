import type { ErrorResponse } from '../src/api-types.js';

/** An answer other than 2xx, with the server's own explanation. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Calls `listener` when the server says the session is gone (401): the token was rotated. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function answer<T>(response: Response): Promise<T> {
  if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
  let body: Partial<ErrorResponse> = {};
  try {
    body = (await response.json()) as ErrorResponse;
  } catch {}
  if (response.status === 401) for (const listener of unauthorizedListeners) listener();
  throw new ApiError(response.status, body.code ?? 'http_error', body.error ?? `The dashboard answered ${response.status}.`);
}

/** Reads JSON from the dashboard's API. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin', ...(signal === undefined ? {} : { signal }) }));
}

/**
 * An action: a JSON POST. The browser adds this page's Origin, which the server requires, and
 * the JSON content type is one no other site can send without asking first.
 */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}
