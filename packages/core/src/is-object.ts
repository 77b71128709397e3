/** True for a plain JSON object (not null, not an array): what parsed JSON is read through. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
