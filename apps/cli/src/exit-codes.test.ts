import { ClaudineError } from '@claudine/core';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeForError } from './exit-codes.js';

describe('exit codes for errors', () => {
  it('gives storage errors 5, and a native module built for another Node.js 1: the database is fine', () => {
    expect(exitCodeForError(new ClaudineError('storage_corrupt', 'empty'))).toBe(EXIT.storage);
    expect(exitCodeForError(new ClaudineError('storage_failed', 'io'))).toBe(EXIT.storage);
    expect(exitCodeForError(new ClaudineError('native_module_mismatch', 'rebuild'))).toBe(EXIT.failure);
  });
});
