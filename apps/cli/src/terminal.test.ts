import { describe, expect, it } from 'vitest';
import { detectTerminal, relativeTime, table, visibleWidth } from './terminal.js';

const plain = (width: number) => ({ color: false, interactive: false, width });

describe('table', () => {
  const headers = ['ID', 'STATUS', 'AGENT', 'PRI', 'CREATED', 'TOOK', 'PROMPT'];
  const rows = [
    ['3k9x2m4qab', 'completed', 'command', 'P1', '3 s ago', '1.2 s', 'echo a long prompt that will not fit on a narrow terminal at all'],
  ];

  it('keeps every column on a wide terminal and cuts the free text to fit', () => {
    const lines = table(plain(80), headers, rows).split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+AGENT\s+PRI\s+CREATED\s+TOOK\s+PROMPT$/);
    expect(lines[1]).toMatch(/^3k9x2m4qab {2}completed {2}command {2}P1 {3}3 s ago {2}1\.2 s {2}echo a long.*…$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('leaves optional columns out on a narrow terminal, never cutting the first column', () => {
    const lines = table(plain(40), headers, rows, { optional: [3, 5, 4, 2] }).split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+AGENT\s+PROMPT$/);
    expect(lines[1]).toMatch(/^3k9x2m4qab {2}/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
  });

  it('never cuts coloured cells, so colours stay balanced', () => {
    const coloured = { color: true, interactive: true, width: 30 };
    const text = table(coloured, ['ID', 'STATUS'], [['3k9x2m4qab', '\u001b[32mcompleted\u001b[39m']]);
    expect(text).toContain('\u001b[32mcompleted\u001b[39m');
    expect(visibleWidth(text.split('\n')[1] ?? '')).toBe(21);
  });
});

describe('detectTerminal', () => {
  it('uses $COLUMNS off a terminal and honours NO_COLOR over FORCE_COLOR', () => {
    const saved = { ...process.env };
    try {
      process.env.COLUMNS = '132';
      process.env.FORCE_COLOR = '1';
      process.env.NO_COLOR = '';
      const stream = { isTTY: false } as NodeJS.WriteStream;
      expect(detectTerminal(stream)).toEqual({ color: true, interactive: false, width: 132 });
      process.env.NO_COLOR = '1';
      expect(detectTerminal(stream).color).toBe(false);
    } finally {
      process.env = saved;
    }
  });
});

describe('relativeTime', () => {
  it('says how long ago, in the largest unit', () => {
    expect(relativeTime(0, 5_000)).toBe('5 s ago');
    expect(relativeTime(0, 5 * 60_000)).toBe('5 min ago');
    expect(relativeTime(0, 3 * 3_600_000)).toBe('3 h ago');
    expect(relativeTime(0, 2 * 86_400_000)).toBe('2 d ago');
  });
});
