import { existsSync } from 'node:fs';
import {
  type DataLayout,
  dataLayout,
  describeConfig,
  resolveDataDirectory,
  type SettingDescription,
  setSetting,
  unsetSetting,
} from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, globalOptions, printJson } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { ConfigPathJson, ConfigSetJson, ConfigSettingJson, ConfigShowJson, ConfigUnsetJson } from '../json-shapes.js';
import { detectTerminal, paint, type Style, type Terminal, table } from '../terminal.js';

const SOURCE_STYLE: Readonly<Record<SettingDescription['source'], Style>> = { default: 'dim', file: 'cyan', environment: 'magenta' };

/** `claudine config`: show, set and unset settings, and say where the file is. */
export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .summary('show or change the settings')
    .description(
      "Settings come from, lowest to highest: defaults, the config file (<data dir>/config.json), CLAUDINE_* environment variables, flags. `config set` and `config unset` edit the file; every value is checked against the settings' schema before anything is written. A running host reads the file when it starts: restart it (claudine host stop) to apply a change.",
    );
  withExamples(config, [
    'claudine config show',
    'claudine config set timeout.default 45m',
    'claudine config unset timeout.default',
    'claudine config path',
  ]);

  const show = config
    .command('show')
    .description('show every setting (or one): its value in force and where it comes from (default, file, env)')
    .argument('[key]', 'one setting, e.g. timeout.default')
    .option('--json', 'print JSON: { file, fileExists, settings: [{ key, value, raw, source, variable, defaultValue, description }] }');
  withExamples(show, ['claudine config show', 'claudine config show timeout.default', 'claudine config show --json']).action(
    (key: string | undefined, options: { json?: boolean }, command: Command) => {
      const layout = layoutOf(command);
      const description = describeConfig({ file: layout.config });
      const terminal = detectTerminal();
      if (key !== undefined) {
        const setting = description.settings.find((candidate) => candidate.key === key);
        if (setting === undefined) {
          throw new CliError(`"${key}" is not a setting: \`claudine config show\` lists every setting`, EXIT.usage);
        }
        if (options.json === true) printJson(ConfigSettingJson, setting);
        else process.stdout.write(`${settingText(terminal, setting)}\n`);
        return;
      }
      if (options.json === true) {
        printJson(ConfigShowJson, description);
        return;
      }
      const rows = description.settings.map((setting) => [
        setting.key,
        showValue(setting.raw),
        paint(terminal, SOURCE_STYLE[setting.source], setting.source === 'environment' ? `env ${setting.variable}` : setting.source),
        setting.description,
      ]);
      process.stdout.write(`${table(terminal, ['SETTING', 'VALUE', 'FROM', 'MEANING'], rows)}\n`);
      const file = description.fileExists ? description.file : `${description.file} (not created yet)`;
      process.stdout.write(`${paint(terminal, 'dim', `file: ${file}. Change a setting: claudine config set <key> <value>`)}\n`);
    },
  );

  const set = config
    .command('set')
    .description('set a setting in the config file (checked against the schema first; the file is written atomically, 0600)')
    .argument('<key>', 'the setting, e.g. timeout.default')
    .argument('<value>', 'its value: a number, true/false, or text such as 45m or 1MiB')
    .option('--json', 'print JSON: { key, value, previous, resolved, overriddenBy }');
  withExamples(set, [
    'claudine config set concurrency 4',
    'claudine config set timeout.default 45m',
    'claudine config set agents.claude.model sonnet',
  ]).action((key: string, value: string, options: { json?: boolean }, command: Command) => {
    const layout = layoutOf(command);
    const outcome = setSetting({ file: layout.config }, key, value);
    if (options.json === true) {
      printJson(ConfigSetJson, outcome);
      return;
    }
    const was = outcome.previous === null ? '' : ` (was ${showValue(outcome.previous)})`;
    process.stdout.write(`${key} = ${showValue(outcome.value)}${was} in ${layout.config}\n`);
    if (outcome.overriddenBy !== null) {
      process.stderr.write(`claudine: ${outcome.overriddenBy} is set and overrides the file: unset it for this value to apply\n`);
    }
  });

  const unset = config
    .command('unset')
    .description('remove a setting from the config file, so its default applies again')
    .argument('<key>', 'the setting, e.g. timeout.default')
    .option('--json', 'print JSON: { key, removed, previous }');
  withExamples(unset, ['claudine config unset timeout.default']).action((key: string, options: { json?: boolean }, command: Command) => {
    const layout = layoutOf(command);
    const outcome = unsetSetting({ file: layout.config }, key);
    if (options.json === true) printJson(ConfigUnsetJson, outcome);
    else if (outcome.removed) process.stdout.write(`${key} removed from ${layout.config}; the default applies\n`);
    else process.stdout.write(`${key} is not set in ${layout.config}; nothing to do\n`);
  });

  const path = config
    .command('path')
    .description('print the path of the config file')
    .option('--json', 'print JSON: { file, exists, dataDirectory }');
  withExamples(path, ['claudine config path', '$EDITOR "$(claudine config path)"']).action(
    (options: { json?: boolean }, command: Command) => {
      const layout = layoutOf(command);
      if (options.json === true)
        printJson(ConfigPathJson, { file: layout.config, exists: existsSync(layout.config), dataDirectory: layout.root });
      else process.stdout.write(`${layout.config}\n`);
    },
  );
}

// The config commands must work when the configuration is broken (that is when they are
// needed), so they read the layout without opening Claudine, which would refuse a bad config.
function layoutOf(command: Command): DataLayout {
  const { home } = globalOptions(command);
  return dataLayout(resolveDataDirectory(home === undefined ? process.env : { CLAUDINE_HOME: home }));
}

function showValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function settingText(terminal: Terminal, setting: SettingDescription): string {
  const rows: Array<[string, string]> = [
    ['setting', paint(terminal, 'bold', setting.key)],
    ['value', showValue(setting.raw) + (setting.value !== setting.raw && setting.value !== null ? ` (${showValue(setting.value)})` : '')],
    [
      'from',
      setting.source === 'environment'
        ? `the environment (${setting.variable})`
        : setting.source === 'file'
          ? 'the config file'
          : 'the default',
    ],
    ['default', showValue(setting.defaultValue)],
    ['variable', setting.variable],
    ['meaning', setting.description],
  ];
  return rows.map(([key, value]) => `${paint(terminal, 'dim', key.padEnd(8))}  ${value}`).join('\n');
}
