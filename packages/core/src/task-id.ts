// Crockford's base32 without I, L, O, U: ids stay readable and unambiguous when typed.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Length of a task id: 10 base32 characters, 50 bits of randomness. */
export const TASK_ID_LENGTH = 10;

/** Matches a well-formed task id. */
export const TASK_ID_PATTERN = /^[0-9abcdefghjkmnpqrstvwxyz]{10}$/;

/**
 * Formats random bytes as a task id. Needs at least 7 bytes (50 bits are used). Core takes the
 * bytes from the caller because it has no source of randomness of its own.
 */
export function formatTaskId(randomBytes: Uint8Array): string {
  if (randomBytes.length < 7) throw new RangeError('formatTaskId needs at least 7 random bytes');
  let bits = 0n;
  for (let index = 0; index < 7; index += 1) bits = (bits << 8n) | BigInt(randomBytes[index] ?? 0);
  let id = '';
  for (let index = 0; index < TASK_ID_LENGTH; index += 1) {
    id += ALPHABET[Number(bits & 31n)];
    bits >>= 5n;
  }
  return id;
}

/** True when `value` has the form of a task id (it may still name no task). */
export function isTaskId(value: string): boolean {
  return TASK_ID_PATTERN.test(value);
}
