import type { Command, Option } from 'commander';
import { EXIT_CODE_MEANINGS } from './exit-codes.js';
import { commandExamples } from './help-examples.js';

/** Marks the start of the generated CLI reference in the README. */
export const REFERENCE_START =
  '<!-- cli-reference:start: generated from the program by `pnpm --filter claudine reference`; a test checks it -->';
/** Marks the end of the generated CLI reference in the README. */
export const REFERENCE_END = '<!-- cli-reference:end -->';

/**
 * The CLI reference in Markdown, generated from the program: every command with its usage,
 * description, options (defaults and choices included) and examples, then the exit codes. The
 * README holds it between {@link REFERENCE_START} and {@link REFERENCE_END}, so it says what
 * `--help` says.
 */
export function cliReference(program: Command): string {
  const commands = walk(program);
  const lines: string[] = [
    'Global options (before the command):',
    '',
    optionTable(program.options),
    '',
    '| Command | What it does |',
    '| --- | --- |',
    ...commands.map(
      (command) =>
        `| [\`${fullName(command)}\`](#${anchor(command)}) | ${cell(command.summary() || firstSentence(command.description()))} |`,
    ),
  ];
  for (const command of commands) {
    lines.push('', `### \`${fullName(command)}\``, '');
    const aliases = command.aliases();
    lines.push(
      `Usage: \`${fullName(command)} ${command.usage()}\`${aliases.length > 0 ? ` (alias: ${aliases.map((alias) => `\`${alias}\``).join(', ')})` : ''}`,
    );
    lines.push('', prose(command.description()));
    const argumentsList = command.registeredArguments.filter((argument) => argument.description !== '');
    const options = command.options.filter((option) => !option.hidden);
    if (argumentsList.length > 0 || options.length > 0) {
      lines.push('', '| Argument or option | Meaning |', '| --- | --- |');
      for (const argument of argumentsList) {
        const choices = argument.argChoices === undefined ? '' : ` (${argument.argChoices.map((choice) => `\`${choice}\``).join(', ')})`;
        lines.push(
          `| \`${argument.required ? '<' : '['}${argument.name()}${argument.variadic ? '...' : ''}${argument.required ? '>' : ']'}\` | ${cell(argument.description + choices)} |`,
        );
      }
      for (const option of options) lines.push(optionRow(option));
    }
    const examples = commandExamples(command);
    if (examples.length > 0) lines.push('', '```sh', ...examples, '```');
  }
  lines.push('', '### Exit codes', '', '| Code | Meaning |', '| --- | --- |');
  for (const [code, meaning] of EXIT_CODE_MEANINGS) lines.push(`| ${code} | ${cell(meaning)} |`);
  return `${lines.join('\n')}\n`;
}

/** Replaces the generated part of `readme` with `reference`; throws when the markers are missing. */
export function replaceReference(readme: string, reference: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error(`README has no ${REFERENCE_START} ... ${REFERENCE_END} section`);
  return `${readme.slice(0, start + REFERENCE_START.length)}\n\n${reference}\n${readme.slice(end)}`;
}

/** The generated part of `readme`, without the blank lines around it; undefined without markers. */
export function extractReference(readme: string): string | undefined {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + REFERENCE_START.length, end).trim();
}

// Every command and subcommand, depth first, in the order --help lists them; `help` is commander's.
function walk(command: Command): Command[] {
  return command.commands.filter((child) => child.name() !== 'help').flatMap((child) => [child, ...walk(child)]);
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

function anchor(command: Command): string {
  return fullName(command).replaceAll(' ', '-');
}

function optionTable(options: readonly Option[]): string {
  return ['| Option | Meaning |', '| --- | --- |', ...options.filter((option) => !option.hidden).map(optionRow)].join('\n');
}

function optionRow(option: Option): string {
  const extras: string[] = [];
  if (option.argChoices !== undefined) extras.push(`one of ${option.argChoices.map((choice) => `\`${choice}\``).join(', ')}`);
  const fallback = option.defaultValue as unknown;
  if (fallback !== undefined && !(Array.isArray(fallback) && fallback.length === 0) && fallback !== false) {
    extras.push(`default \`${String(fallback)}\``);
  }
  return `| \`${option.flags}\` | ${cell(option.description + (extras.length > 0 ? ` (${extras.join('; ')})` : ''))} |`;
}

function cell(text: string): string {
  return prose(text).replaceAll('|', '\\|').replaceAll('\n', ' ');
}

// Help text as Markdown prose: `<id>` must not read as an HTML tag, nor `CLAUDINE_*` as emphasis.
function prose(text: string): string {
  return text.replaceAll('<', '\\<').replaceAll('*', '\\*');
}

function firstSentence(text: string): string {
  const end = text.indexOf('. ');
  return end < 0 ? text : text.slice(0, end + 1);
}
