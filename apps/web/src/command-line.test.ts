import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';

describe('parseCommandLine', () => {
  it('serves on the default port unless told otherwise', () => {
    expect(parseCommandLine([])).toEqual({ kind: 'serve', port: undefined, open: false });
    expect(parseCommandLine(['--port', '0', '--open'])).toEqual({ kind: 'serve', port: 0, open: true });
    expect(parseCommandLine(['--port=8080'])).toEqual({ kind: 'serve', port: 8080, open: false });
  });

  it('refuses what is not a port, or an unknown argument, saying what to do', () => {
    expect(parseCommandLine(['--port'])).toEqual({ kind: 'error', message: '--port needs a value: give a number from 0 to 65535.' });
    expect(parseCommandLine(['--port', '70000'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/"70000" is not a port/) });
    expect(parseCommandLine(['--http'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/unknown argument "--http"/) });
  });

  it('answers --help and --version before anything else', () => {
    expect(parseCommandLine(['--port', 'x', '--help'])).toMatchObject({ kind: 'error' });
    expect(parseCommandLine(['--help', '--port', 'x'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-V'])).toEqual({ kind: 'version' });
  });
});
