import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandExamples } from '../src/help-examples.js';
import { JSON_SHAPES } from '../src/json-shapes.js';
import { createProgram } from '../src/program.js';
import { cliReference, extractReference, replaceReference } from '../src/reference.js';

const program = await createProgram('0.0.0-test');
const biome = fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url));

function walk(command: Command): Command[] {
  return command.commands.filter((child) => child.name() !== 'help').flatMap((child) => [child, ...walk(child)]);
}

function escapeRegExp(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function path(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent != null; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

describe('the program', () => {
  it("matches the README's CLI reference (regenerate it with `pnpm --filter claudine reference`)", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(extractReference(readme), 'README.md has no generated CLI reference section').toBeDefined();
    // The README is formatted by Biome (pnpm lint aligns its tables): so is the expectation.
    const expected = execFileSync(biome, ['format', '--stdin-file-path=README.md'], {
      input: replaceReference(readme, cliReference(program)),
      encoding: 'utf8',
    });
    expect(extractReference(readme)).toBe(extractReference(expected));
  });

  it("lists the exit codes of tasks killed by a signal in the README's table", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toMatch(/\| 128\+N +\| `run --wait`: the task was killed by signal N, .*137 SIGKILL.*143 SIGTERM/);
  });

  it('documents every command and option of --help in the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const command of walk(program)) {
      expect(readme, path(command)).toContain(`### \`claudine ${path(command)}\``);
      for (const option of command.options)
        expect(readme, `${path(command)} ${option.flags}`).toMatch(new RegExp(`\\| \`${escapeRegExp(option.flags)}\` +\\|`));
    }
  });

  it('gives every command examples in its --help', () => {
    const without = walk(program).filter((command) => commandExamples(command).length === 0);
    expect(without.map(path)).toEqual([]);
    for (const command of walk(program)) {
      for (const example of commandExamples(command)) expect(example, path(command)).toMatch(/claudine /);
    }
  });

  it('has a documented JSON shape for every command that prints JSON', () => {
    const shaped = new Set(Object.keys(JSON_SHAPES).map((key) => key.replace(/ (<[^>]+>|--follow)$/, '')));
    const printing = walk(program).filter((command) => command.options.some((option) => option.long === '--json'));
    expect(printing.map(path).filter((name) => !shaped.has(name))).toEqual([]);
  });
});
