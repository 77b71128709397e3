import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes.js';
import { formatDuration } from './format-duration.js';
import { isObject } from './is-object.js';

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [2000, '2 s'],
    [12_450, '12.5 s'],
    [90_000, '1 min 30 s'],
    [600_000, '10 min'],
    [59_960, '1 min'],
    [3_599_999, '1 h'],
    [7_500_000, '2 h 5 min'],
    [3_600_000 * 24 * 7, '7 d'],
    [3_600_000 * 26, '1 d 2 h'],
    [-1, '–'],
    [Number.NaN, '–'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [2 * 1024 * 1024, '2 MiB'],
    [100 * 1024 * 1024, '100 MiB'],
    [10 * 1024 ** 3, '10 GiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('isObject', () => {
  it('takes objects and nothing else', () => {
    expect(isObject({ a: 1 })).toBe(true);
    expect(isObject([])).toBe(false);
    expect(isObject(null)).toBe(false);
    expect(isObject('text')).toBe(false);
  });
});
