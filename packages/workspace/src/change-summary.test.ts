import { describe, expect, it } from 'vitest';
import { parseChangeSummary } from './change-summary.js';

describe('change summary', () => {
  it('pairs raw and numstat records, renames and binaries included', () => {
    const output = [
      ':000000 100644 0000000 6208a9a A',
      'new file.txt',
      ':100644 100644 28ce6a8 28ce6a8 R100',
      'old.txt',
      'renamed.txt',
      ':100644 000000 1234567 0000000 D',
      'gone.txt',
      ':000000 100644 0000000 3e75765 A',
      'image.png',
      '3\t0\tnew file.txt',
      '1\t2\t',
      'old.txt',
      'renamed.txt',
      '0\t4\tgone.txt',
      '-\t-\timage.png',
      '',
    ].join('\0');
    expect(parseChangeSummary(output)).toEqual({
      files: [
        { path: 'new file.txt', previousPath: null, status: 'added', insertions: 3, deletions: 0, binary: false },
        { path: 'renamed.txt', previousPath: 'old.txt', status: 'renamed', insertions: 1, deletions: 2, binary: false },
        { path: 'gone.txt', previousPath: null, status: 'deleted', insertions: 0, deletions: 4, binary: false },
        { path: 'image.png', previousPath: null, status: 'added', insertions: 0, deletions: 0, binary: true },
      ],
      insertions: 4,
      deletions: 6,
    });
  });

  it('is empty for no change', () => {
    expect(parseChangeSummary('')).toEqual({ files: [], insertions: 0, deletions: 0 });
  });
});
