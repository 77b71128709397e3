import { describe, expect, it } from 'vitest';
import { LastLine } from './last-line.js';

function lastOf(...chunks: string[]): string | undefined {
  const last = new LastLine();
  for (const chunk of chunks) last.add(Buffer.from(chunk));
  return last.value;
}

describe('the last line of a stream', () => {
  it('is the last line with something on it, across chunks', () => {
    expect(lastOf('first\nsec', 'ond\n\n  \n')).toBe('second');
    expect(lastOf('no newline at the end')).toBe('no newline at the end');
    expect(lastOf('', '\n\n')).toBeUndefined();
  });

  it('shows what a terminal shows: no colours, no control characters, the last overwrite of a line', () => {
    expect(lastOf('\u001b[31merror:\u001b[0m\tbad\u0007 thing\n')).toBe('error: bad thing');
    expect(lastOf('10%\r50%\r100% done\r\n')).toBe('100% done');
  });

  it('stays short, whatever was written', () => {
    const flood = `${'x'.repeat(10_000_000)}\nthe end\n`;
    expect(lastOf(flood)).toBe('the end');
    const long = lastOf(`${'y'.repeat(1000)}\n`);
    expect(long).toHaveLength(300);
    expect(long?.endsWith('…')).toBe(true);
  });
});
