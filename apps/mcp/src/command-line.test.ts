import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';

describe('parseCommandLine', () => {
  it('defaults to stdio, and takes --http with or without a port', () => {
    expect(parseCommandLine([])).toEqual({ kind: 'stdio' });
    expect(parseCommandLine(['--http'])).toEqual({ kind: 'http', port: undefined });
    expect(parseCommandLine(['--http', '8080'])).toEqual({ kind: 'http', port: 8080 });
    expect(parseCommandLine(['--http=0'])).toEqual({ kind: 'http', port: 0 });
    expect(parseCommandLine(['--http', '--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-V'])).toEqual({ kind: 'version' });
  });

  it('refuses what it does not know, saying what to do', () => {
    expect(parseCommandLine(['--http', 'x'])).toMatchObject({ kind: 'error', message: expect.stringContaining('not a port') });
    expect(parseCommandLine(['--http', '70000'])).toMatchObject({ kind: 'error' });
    expect(parseCommandLine(['--stdio'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--help') });
  });
});
