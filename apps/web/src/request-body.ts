import type { IncomingMessage } from 'node:http';
import { ClaudineError } from '@claudine/core';

// A resume's instructions are a prompt: up to 1 MiB of UTF-8, and some JSON around it.
const MAX_BODY_BYTES = 1024 * 1024 + 64 * 1024;

/**
 * Reads a JSON request body. Throws `invalid_input` for another content type (which a page of
 * another origin could send without asking first), a body too large, or bad JSON.
 */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ClaudineError('invalid_input', 'Send the request as JSON (Content-Type: application/json).');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ClaudineError('invalid_input', 'The request body is larger than 1 MiB: send less.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ClaudineError('invalid_input', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ClaudineError('invalid_input', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
