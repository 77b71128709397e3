import { createWriteStream, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostLogOnStream, openHostLogFile } from './host-log.js';

let temp: TempDir;

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => {
  temp.remove();
});

const line = (index: number): string => `${String(index).padStart(4, '0')} ${'x'.repeat(94)}\n`;

describe('host log', () => {
  it('rotates at its size cap and keeps only the newest files', () => {
    const path = join(temp.path, 'host.log');
    const log = openHostLogFile({ path, maxBytes: 1000, keep: 2 });
    for (let index = 0; index < 55; index += 1) log.write(line(index));
    log.close();
    expect(readdirSync(temp.path).sort()).toEqual(['host.log', 'host.log.1', 'host.log.2']);
    for (const name of ['host.log.1', 'host.log.2']) expect(statSync(join(temp.path, name)).size).toBe(1000);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The newest lines are in the current file, the ones before in .1, then .2; older ones are gone.
    expect(readFileSync(path, 'utf8')).toBe([50, 51, 52, 53, 54].map(line).join(''));
    expect(readFileSync(`${path}.1`, 'utf8').startsWith(line(40))).toBe(true);
    expect(readFileSync(`${path}.2`, 'utf8').startsWith(line(30))).toBe(true);
    expect(log.droppedLines).toBe(0);
  });

  it('drops and counts lines it cannot write, and says so once writing works again', () => {
    const directory = join(temp.path, 'not-yet');
    const path = join(directory, 'host.log');
    const log = openHostLogFile({ path });
    expect(() => log.write('first\nsecond\n')).not.toThrow();
    log.write('third\n');
    expect(log.droppedLines).toBe(3);
    mkdirSync(directory);
    log.write('fourth\n');
    log.close();
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^\S+ \(3 log lines were dropped: could not write the log: ENOENT\)\nfourth\n$/);
  });

  it('never throws on a full device', () => {
    const log = openHostLogFile({ path: '/dev/full' });
    for (let index = 0; index < 10; index += 1) expect(() => log.write(line(index))).not.toThrow();
    expect(log.droppedLines).toBe(10);
    log.close();
  });

  it('on a stream, survives its errors and counts what was lost', async () => {
    const stream = createWriteStream('/dev/full');
    const log = hostLogOnStream(stream);
    log.write('one\n');
    log.write('two\nthree\n');
    await waitFor(() => log.droppedLines === 3, { description: 'the failed writes to be counted' });
    stream.destroy();
  });
});
