const BRAND = Symbol.for('@claudine/core/ClaudineError');

/**
 * What went wrong, as a stable string a caller can switch on. Apps map codes to exit codes and
 * tool errors; the message says what happened and what to do.
 */
export type ClaudineErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'dependency_cycle'
  | 'illegal_transition'
  | 'host_running'
  | 'storage_corrupt'
  | 'storage_locked'
  | 'storage_full'
  | 'storage_readonly'
  | 'storage_too_new'
  | 'storage_failed'
  /** A native module (better-sqlite3) was built for another Node.js version: rebuild it. */
  | 'native_module_mismatch'
  | 'config_invalid'
  | 'spawn_failed'
  | 'output_failed'
  | 'git_failed'
  | 'workspace_locked'
  | 'internal';

/** Options for {@link ClaudineError}: the underlying error and optional structured details. */
export interface ClaudineErrorOptions {
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * An infrastructure failure or refused request, with a {@link ClaudineErrorCode}. Adapters wrap
 * driver errors in it (the original stays in `cause`) so no driver type leaks to callers.
 * Recognise it with {@link isClaudineError}, never `instanceof`: two copies of core may coexist.
 */
export class ClaudineError extends Error {
  readonly code: ClaudineErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ClaudineErrorCode, message: string, options: ClaudineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClaudineError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True when `value` is a {@link ClaudineError} from any copy of `@claudine/core`. */
export function isClaudineError(value: unknown): value is ClaudineError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
