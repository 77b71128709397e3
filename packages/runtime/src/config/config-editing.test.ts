import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claudineErrorOf } from '../claudine-error.test-helper.js';
import { settingPaths } from './config.js';
import { describeConfig, parseSettingText, setSetting, unsetSetting } from './config-editing.js';

let temp: TempDir;
let file: string;

beforeEach(() => {
  temp = createTempDir();
  file = join(temp.path, 'home', 'config.json');
});

afterEach(() => temp.remove());

function thrown(action: () => unknown): { code: string; message: string } {
  const { code, message } = claudineErrorOf(action);
  return { code, message };
}

describe('describeConfig', () => {
  it('describes every setting with its default when nothing is configured', () => {
    const description = describeConfig({ file, environment: {} });
    expect(description.fileExists).toBe(false);
    expect(description.settings.map((setting) => setting.key)).toEqual(settingPaths());
    const timeout = description.settings.find((setting) => setting.key === 'timeout.default');
    expect(timeout).toMatchObject({
      value: 1_800_000,
      raw: '30m',
      defaultValue: '30m',
      source: 'default',
      variable: 'CLAUDINE_TIMEOUT_DEFAULT',
      description: 'Timeout of tasks that name none.',
    });
    expect(description.settings.find((setting) => setting.key === 'agents.claude.model')).toMatchObject({
      value: null,
      raw: null,
      defaultValue: null,
      source: 'default',
    });
    for (const setting of description.settings) expect(setting.description, setting.key).not.toBe('');
  });

  it('says which values come from the file and which from the environment', () => {
    setSetting({ file, environment: {} }, 'timeout.default', '45m');
    setSetting({ file, environment: {} }, 'concurrency', '3');
    const description = describeConfig({ file, environment: { CLAUDINE_CONCURRENCY: '5' } });
    const byKey = new Map(description.settings.map((setting) => [setting.key, setting]));
    expect(byKey.get('timeout.default')).toMatchObject({ source: 'file', raw: '45m', value: 2_700_000 });
    expect(byKey.get('concurrency')).toMatchObject({ source: 'environment', raw: '5', value: 5 });
    expect(byKey.get('host.idleExit')).toMatchObject({ source: 'default' });
  });
});

describe('setSetting', () => {
  it('writes the file atomically and privately, keeping the other settings', () => {
    const first = setSetting({ file, environment: {} }, 'timeout.default', '45m');
    expect(first).toMatchObject({ key: 'timeout.default', value: '45m', previous: null, resolved: 2_700_000, overriddenBy: null });
    setSetting({ file, environment: {} }, 'retry.onCrash', 'false');
    const second = setSetting({ file, environment: { CLAUDINE_TIMEOUT_DEFAULT: '1h' } }, 'timeout.default', '1h');
    expect(second).toMatchObject({ previous: '45m', overriddenBy: 'CLAUDINE_TIMEOUT_DEFAULT' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ timeout: { default: '1h' }, retry: { onCrash: false } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(temp.path, 'home'))).toEqual(['config.json']);
  });

  it('refuses an unknown key, suggesting the closest setting, and writes nothing', () => {
    const error = thrown(() => setSetting({ file, environment: {} }, 'timeout.defualt', '5m'));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('"timeout.defualt" is not a setting; did you mean "timeout.default"?');
    expect(thrown(() => setSetting({ file, environment: {} }, 'idleExit', '5m')).message).toContain('did you mean "host.idleExit"');
    expect(thrown(() => setSetting({ file, environment: {} }, 'timeout', '5m')).message).toContain('is a group of settings');
    expect(() => readFileSync(file)).toThrow();
  });

  it('refuses a bad value, naming the setting, and leaves the file as it was', () => {
    setSetting({ file, environment: {} }, 'concurrency', '2');
    const before = readFileSync(file, 'utf8');
    const duration = thrown(() => setSetting({ file, environment: {} }, 'timeout.default', 'soon'));
    expect(duration.code).toBe('config_invalid');
    expect(duration.message).toBe(
      'Cannot set timeout.default: "soon" is not a duration (use e.g. 500ms, 30s, 5m, 2h, 7d). Nothing was written.',
    );
    const agent = thrown(() => setSetting({ file, environment: {} }, 'defaults.agent', 'gpt'));
    expect(agent.message).toMatch(/^Cannot set defaults\.agent: /);
    expect(thrown(() => setSetting({ file, environment: {} }, 'concurrency', '0')).message).toMatch(/^Cannot set concurrency: /);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('names the other invalid settings when the file is already broken', () => {
    setSetting({ file, environment: {} }, 'concurrency', '2');
    writeFileSync(file, JSON.stringify({ concurrency: 'lots' }));
    const error = thrown(() => setSetting({ file, environment: {} }, 'timeout.default', '5m'));
    expect(error.message).toContain('has other invalid settings');
    expect(error.message).toContain('concurrency:');
    expect(error.message).toContain('claudine config unset');
  });
});

describe('unsetSetting', () => {
  it('removes a setting and the groups it leaves empty', () => {
    setSetting({ file, environment: {} }, 'timeout.default', '45m');
    setSetting({ file, environment: {} }, 'concurrency', '4');
    expect(unsetSetting({ file, environment: {} }, 'timeout.default')).toEqual({ key: 'timeout.default', removed: true, previous: '45m' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ concurrency: 4 });
    expect(unsetSetting({ file, environment: {} }, 'timeout.default')).toEqual({ key: 'timeout.default', removed: false, previous: null });
  });

  it('removes a stray key the file holds, and refuses an unknown one it does not', () => {
    setSetting({ file, environment: {} }, 'concurrency', '4');
    writeFileSync(file, JSON.stringify({ concurrency: 4, colour: 'red' }));
    expect(unsetSetting({ file, environment: {} }, 'colour')).toMatchObject({ removed: true, previous: 'red' });
    expect(thrown(() => unsetSetting({ file, environment: {} }, 'color')).code).toBe('invalid_input');
  });
});

describe('parseSettingText', () => {
  it('reads numbers and booleans, and keeps everything else as text', () => {
    expect(parseSettingText('4')).toBe(4);
    expect(parseSettingText('0.5')).toBe(0.5);
    expect(parseSettingText('true')).toBe(true);
    expect(parseSettingText('false')).toBe(false);
    expect(parseSettingText('45m')).toBe('45m');
    expect(parseSettingText('auto')).toBe('auto');
  });
});

describe('settings that depend on each other, and durations without a unit', () => {
  it('refuses a default timeout of 0, wherever it is set, and writes nothing', () => {
    const zero = thrown(() => setSetting({ file, environment: {} }, 'timeout.default', '0'));
    expect(zero.code).toBe('config_invalid');
    expect(zero.message).toMatch(/Cannot set timeout\.default: must be longer than 0 .*use e\.g\. 30m/);
    expect(() => readFileSync(file)).toThrow();
  });

  it('refuses timeout.max below timeout.default, whichever of them changes, naming both', () => {
    const raised = thrown(() => setSetting({ file, environment: {} }, 'timeout.default', '3h'));
    expect(raised.message).toMatch(
      /Cannot set timeout\.default: timeout\.max \(2 h\) is shorter than timeout\.default \(3 h\).*raise timeout\.max, or lower timeout\.default/,
    );
    setSetting({ file, environment: {} }, 'timeout.default', '20m');
    const lowered = thrown(() => setSetting({ file, environment: {} }, 'timeout.max', '10m'));
    expect(lowered.message).toMatch(/Cannot set timeout\.max: timeout\.max \(10 min\) is shorter than timeout\.default \(20 min\)/);
    // A value fine for the file alone, but not with the variable in force.
    const clash = thrown(() => setSetting({ file, environment: { CLAUDINE_TIMEOUT_MAX: '15m' } }, 'timeout.default', '1h'));
    expect(clash.message).toMatch(
      /Cannot set timeout\.default: .*timeout\.max \(15 min\) is shorter than timeout\.default \(1 h\).*CLAUDINE_TIMEOUT_MAX/s,
    );
    setSetting({ file, environment: {} }, 'timeout.max', '30m');
    // Unsetting timeout.default brings back 30m: fine; unsetting timeout.max then would not be.
    setSetting({ file, environment: {} }, 'timeout.default', '25m');
    expect(unsetSetting({ file, environment: {} }, 'timeout.max').removed).toBe(true);
    setSetting({ file, environment: {} }, 'timeout.max', '10h');
    setSetting({ file, environment: {} }, 'timeout.default', '5h');
    expect(thrown(() => unsetSetting({ file, environment: {} }, 'timeout.max')).message).toMatch(
      /Cannot unset timeout\.max: .*timeout\.max \(2 h\) is shorter than timeout\.default \(5 h\)/s,
    );
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ timeout: { default: '5h', max: '10h' } });
  });

  it('refuses a duration typed without a unit, with the hint, but takes 0 and JSON numbers of milliseconds', () => {
    const bare = thrown(() => setSetting({ file, environment: {} }, 'timeout.killGrace', '1'));
    expect(bare.message).toMatch(
      /Cannot set timeout\.killGrace: "1" has no unit: write e\.g\. 1s, 1m or 1h \(1ms if you mean milliseconds\)/,
    );
    expect(setSetting({ file, environment: {} }, 'output.compressionAge', '0').resolved).toBe(0);
    expect(setSetting({ file, environment: {} }, 'timeout.killGrace', '1500ms').resolved).toBe(1500);
    // Sizes and counts are still numbers.
    expect(setSetting({ file, environment: {} }, 'output.bufferBytes', '65536').resolved).toBe(65536);
    expect(setSetting({ file, environment: {} }, 'concurrency', '3').value).toBe(3);
    expect(parseSettingText('30', 'timeout.default')).toBe('30');
    expect(parseSettingText('30', 'retry.maxRetries')).toBe(30);
    // A number in the file was always milliseconds, and stays so.
    writeFileSync(file, JSON.stringify({ timeout: { killGrace: 2000 } }));
    expect(describeConfig({ file, environment: {} }).settings.find((setting) => setting.key === 'timeout.killGrace')?.value).toBe(2000);
  });
});
