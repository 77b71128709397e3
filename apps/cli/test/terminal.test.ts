import { describe, expect, it } from 'vitest';
import { useCliSession } from './session.test-helper.js';
import { runInTerminal, withoutEscapes } from './terminal.test-helper.js';

const session = useCliSession();

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] [0-9a-z]{10} (queued|running) · \d+ s/;
const CLEAR_LINE = '\r\u001b[2K';
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour escapes are what is checked.
const COLOUR = /\u001b\[[0-9;]*m/;

describe('claudine in a real terminal', () => {
  it('shows a live status line while waiting, moves it out of the way of output, and clears it at the end', async () => {
    // Colours on, as in a person's terminal (the test environment sets NO_COLOR for the others).
    session.env = { ...session.env, NO_COLOR: '' };
    const run = await runInTerminal(['run', '-a', 'command', '--wait', 'sleep 1.5; echo from-the-task; sleep 0.5'], {
      env: session.env,
      cwd: session.workdir,
      columns: 80,
    });
    expect(run.exitCode).toBe(0);
    const text = withoutEscapes(run.output);
    expect(text).toMatch(/task [0-9a-z]{10} submitted; waiting \(Ctrl-C stops waiting, not the task\)/);
    expect(text).toMatch(SPINNER);
    expect(text).toMatch(/running · 1 s/);
    expect(text).toContain('from-the-task');
    // The status line is cleared before output is printed, and once more at the very end.
    expect(run.output).toContain(`${CLEAR_LINE}from-the-task`);
    const lastFrame = Math.max(...[...run.output.matchAll(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/g)].map((match) => match.index));
    expect(run.output.lastIndexOf(CLEAR_LINE)).toBeGreaterThan(lastFrame);
    expect(run.output).toMatch(COLOUR);
    // No plain progress lines: those are for logs and pipes.
    expect(text).not.toContain('claudine: task');
  });

  it('fits tables to the width of the terminal, in colour, and without colour under NO_COLOR', async () => {
    session.env = { ...session.env, NO_COLOR: '' };
    await session.submit('echo a prompt long enough to be cut where the terminal ends, and then some more words');
    const coloured = await runInTerminal(['ls'], { env: session.env, cwd: session.workdir, columns: 60 });
    expect(coloured.exitCode).toBe(0);
    expect(coloured.output).toContain('\u001b[1mID');
    const lines = withoutEscapes(coloured.output).split(/\r?\n/).filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(lines[1]).toMatch(/…$/);

    session.env = { ...session.env, NO_COLOR: '1' };
    const plain = await runInTerminal(['ls'], { env: session.env, cwd: session.workdir, columns: 60 });
    expect(plain.exitCode).toBe(0);
    expect(plain.output).not.toMatch(COLOUR);
    expect(withoutEscapes(plain.output)).toContain('ID');
    const waited = await runInTerminal(['run', '-a', 'command', '--wait', 'sleep 0.5; echo done'], {
      env: session.env,
      cwd: session.workdir,
    });
    expect(waited.exitCode).toBe(0);
    expect(waited.output).not.toMatch(COLOUR);
    expect(withoutEscapes(waited.output)).toMatch(SPINNER);
  });
});
