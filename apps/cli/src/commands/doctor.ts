import type { Command } from 'commander';
import { globalOptions, printJson } from '../context.js';
import { type DoctorCheck, runDoctorChecks } from '../doctor-checks.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { DoctorJson } from '../json-shapes.js';
import { detectTerminal, paint, type Style } from '../terminal.js';

const MARK: Readonly<Record<DoctorCheck['status'], { symbol: string; style: Style }>> = {
  ok: { symbol: '✓', style: 'green' },
  warn: { symbol: '!', style: 'yellow' },
  fail: { symbol: '✗', style: 'red' },
};

/** `claudine doctor`: check the installation and say how to fix what is wrong. */
export function registerDoctor(program: Command): void {
  const doctor = program
    .command('doctor')
    .summary('check the installation and say how to fix what is wrong')
    .description(
      'Checks Node.js, the claude and codex executables (and their versions), whether Claude Code is logged in (`claude auth status`), the shell for command tasks, the data directory and its permissions, free disk space, the configuration, the database and the host. Each problem comes with what to do about it. Exits 1 when a check fails; warnings (such as a missing codex when you do not use it) do not.',
    )
    .option('--json', 'print JSON: { ok, checks: [{ id, title, status, detail, fix }] }');
  withExamples(doctor, ['claudine doctor', 'claudine doctor --json']).action(async (options: { json?: boolean }, command: Command) => {
    const { home } = globalOptions(command);
    const checks = await runDoctorChecks(home === undefined ? {} : { home });
    const ok = checks.every((item) => item.status !== 'fail');
    if (options.json === true) printJson(DoctorJson, { ok, checks });
    else {
      const terminal = detectTerminal();
      const width = Math.max(...checks.map((item) => item.title.length));
      const lines = checks.map((item) => {
        const { symbol, style } = MARK[item.status];
        const head = `${paint(terminal, style, symbol)} ${item.title.padEnd(width)}  ${item.detail}`;
        return item.fix === null ? head : `${head}\n  ${' '.repeat(width)}  ${paint(terminal, style, `→ ${item.fix}`)}`;
      });
      const failed = checks.filter((item) => item.status === 'fail').length;
      const warned = checks.filter((item) => item.status === 'warn').length;
      const summary =
        failed > 0
          ? paint(terminal, 'red', `${failed} problem(s) to fix${warned > 0 ? `, ${warned} warning(s)` : ''}`)
          : warned > 0
            ? paint(terminal, 'yellow', `ready, with ${warned} warning(s)`)
            : paint(terminal, 'green', 'all good');
      process.stdout.write(`${lines.join('\n')}\n\n${summary}\n`);
    }
    if (!ok) process.exitCode = EXIT.failure;
  });
}
