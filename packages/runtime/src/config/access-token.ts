import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ClaudineError } from '@claudine/core';
import type { DataLayout } from './data-directory.js';

const TOKEN_FILE = 'access-token';
// 32 random bytes, base64url: 43 characters, safe in a URL, a header and a shell word.
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43,}$/;

/** Where the access token of a data directory is kept (0600). */
export function accessTokenPath(layout: DataLayout): string {
  return join(layout.root, TOKEN_FILE);
}

/**
 * The bearer token that every network listener of this data directory (MCP over HTTP, the
 * dashboard, `/metrics`) requires. Created on first use (random, 32 bytes, URL-safe), kept in
 * the data directory in a 0600 file, and stable across restarts until {@link rotateAccessToken}.
 * Throws `storage_readonly`/`storage_full` when it cannot be written.
 */
export function ensureAccessToken(layout: DataLayout): string {
  const existing = readAccessToken(layout);
  if (existing !== undefined) return existing;
  const token = newToken();
  try {
    // 'wx': two processes creating it at once agree on the first one written.
    const descriptor = openSync(accessTokenPath(layout), 'wx', 0o600);
    try {
      writeSync(descriptor, `${token}\n`);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const written = readAccessToken(layout);
      if (written !== undefined) return written;
    }
    throw tokenWriteError(layout, error);
  }
}

/** Replaces the access token with a new random one; clients holding the old one get 401. */
export function rotateAccessToken(layout: DataLayout): string {
  const token = newToken();
  const path = accessTokenPath(layout);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const descriptor = openSync(temporary, 'w', 0o600);
    try {
      writeSync(descriptor, `${token}\n`);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
    return token;
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {}
    throw tokenWriteError(layout, error);
  }
}

/** The stored token, or undefined when none was created yet (or the file is not a token). */
export function readAccessToken(layout: DataLayout): string | undefined {
  let text: string;
  try {
    text = readFileSync(accessTokenPath(layout), 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClaudineError(
      'storage_readonly',
      `Could not read the access token ${accessTokenPath(layout)}: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  if (!TOKEN_PATTERN.test(text)) return undefined;
  // A copied data directory may have lost its mode: the token is a secret.
  if (process.platform !== 'win32') chmodSync(accessTokenPath(layout), 0o600);
  return text;
}

/**
 * True when an `Authorization` header carries `Bearer <expected>`. The comparison takes the same
 * time wherever the first difference is, so the token cannot be guessed byte by byte.
 */
export function isAuthorized(authorization: string | undefined, expected: string): boolean {
  if (authorization === undefined) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match === null) return false;
  return tokensEqual(match[1] as string, expected);
}

/** Compares two tokens in constant time (for tokens carried in a cookie or a query). */
export function tokensEqual(given: string, expected: string): boolean {
  const left = Buffer.from(given, 'utf8');
  const right = Buffer.from(expected, 'utf8');
  // Compare against itself when the lengths differ, so the time does not depend on the length.
  if (left.length !== right.length) {
    timingSafeEqual(right, right);
    return false;
  }
  return timingSafeEqual(left, right);
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function tokenWriteError(layout: DataLayout, error: unknown): ClaudineError {
  const code = (error as NodeJS.ErrnoException).code;
  return new ClaudineError(
    code === 'ENOSPC' ? 'storage_full' : 'storage_readonly',
    `Could not write the access token ${accessTokenPath(layout)}: ${(error as Error).message}. Free some space or fix the data directory's permissions.`,
    { cause: error },
  );
}
