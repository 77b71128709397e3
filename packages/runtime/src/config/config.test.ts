import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, environmentName, loadConfig, resolveConcurrency, settingPaths } from './config.js';
import { defaultConfig } from './config-defaults.js';

let temp: TempDir;
let file: string;

beforeEach(() => {
  temp = createTempDir();
  file = join(temp.path, 'config.json');
});

afterEach(() => temp.remove());

describe('loadConfig', () => {
  it('works with no file and no environment', () => {
    const { config, sources } = loadConfig({ file, environment: {} });
    expect(sources).toEqual({ file, fileExists: false, environment: [] });
    expect(config.timeout).toEqual({ default: 1_800_000, max: 7_200_000, warnAt: 0.9, killGrace: 5000 });
    expect(config.agents.claude).toEqual({ command: 'claude', permissionMode: 'acceptEdits' });
    expect(config.output.bufferBytes).toBe(1024 * 1024);
    expect(resolveConcurrency(config)).toBeGreaterThanOrEqual(1);
  });

  it("gives the schemas' defaults when nothing is set, whether or not it parses", () => {
    // The written-out defaults must be what the schemas give: a default changed in one place only fails here.
    expect(defaultConfig()).toStrictEqual(ConfigSchema.parse({}));
    expect(loadConfig({ file, environment: { CLAUDINE_HOME: '/x', CLAUDINE_TASK_ID: 'abc' } }).config).toStrictEqual(
      ConfigSchema.parse({}),
    );
    writeFileSync(file, '{}');
    expect(loadConfig({ file, environment: {} })).toStrictEqual({
      config: ConfigSchema.parse({}),
      sources: { file, fileExists: true, environment: [] },
    });
    // A variable that only looks like a setting's goes through the schemas, which ignore it.
    expect(loadConfig({ file, environment: { CLAUDINE_HOST_ONLY: '1' } }).config).toStrictEqual(ConfigSchema.parse({}));
    expect(loadConfig({ file, environment: { CLAUDINE_HOST_LEASE: '1m' } }).config.host.lease).toBe(60_000);
    expect(() => loadConfig({ file, environment: { CLAUDINE_CONCURRENCY: '0' } })).toThrow(/concurrency/);
  });

  it('gives what the whole schema gives when only some sections are set', () => {
    const settings = [
      { concurrency: 3 },
      { timeout: { default: '10m', killGrace: 2000 }, host: { idleExit: '1m' } },
      { agents: { claude: { allowedTools: 'Read,Bash(pnpm test:*)' } }, notify: { events: 'failed' }, worktree: { default: true } },
      { output: { retention: '1d' }, metrics: { sampleInterval: '500ms' }, budget: { daily: 5 }, mcp: {} },
    ];
    for (const value of settings) {
      writeFileSync(file, JSON.stringify(value));
      expect(loadConfig({ file, environment: {} }).config).toStrictEqual(ConfigSchema.parse(value));
    }
    writeFileSync(file, JSON.stringify({ concurrency: 3, timeout: { default: '1m', max: '30s' } }));
    expect(() => loadConfig({ file, environment: {} })).toThrow(/timeout.max \(30 s\) is shorter than timeout.default/);
    writeFileSync(file, JSON.stringify({ concurrency: 3, nonsense: 1 }));
    expect(() => loadConfig({ file, environment: {} })).toThrow(/nonsense/);
  });

  it('layers defaults < file < environment < overrides', () => {
    writeFileSync(file, JSON.stringify({ concurrency: 3, timeout: { default: '10m', killGrace: 2000 }, host: { idleExit: '1m' } }));
    const { config, sources } = loadConfig({
      file,
      environment: { CLAUDINE_TIMEOUT_DEFAULT: '20m', CLAUDINE_AGENTS_CLAUDE_COMMAND: '/opt/claude', CLAUDINE_CONCURRENCY: '4' },
      overrides: { concurrency: 5 },
    });
    expect(config.concurrency).toBe(5);
    expect(config.timeout.default).toBe(1_200_000);
    expect(config.timeout.killGrace).toBe(2000);
    expect(config.host.idleExit).toBe(60_000);
    expect(config.agents.claude.command).toBe('/opt/claude');
    expect(resolveConcurrency(config)).toBe(5);
    expect(sources.environment).toEqual(expect.arrayContaining(['CLAUDINE_TIMEOUT_DEFAULT', 'CLAUDINE_AGENTS_CLAUDE_COMMAND']));
  });

  it('has output settings with defaults, from the environment, and checked', () => {
    const { config } = loadConfig({ file, environment: {} });
    expect(config.output).toEqual({
      bufferBytes: 1024 ** 2,
      segmentBytes: 100 * 1024 ** 2,
      compressionAge: 3_600_000,
      retention: 7 * 86_400_000,
      maxBytesPerTask: 10 * 1024 ** 3,
    });
    const tuned = loadConfig({
      file,
      environment: { CLAUDINE_OUTPUT_SEGMENT_BYTES: '8MiB', CLAUDINE_OUTPUT_COMPRESSION_AGE: '0', CLAUDINE_OUTPUT_RETENTION: '30d' },
    }).config.output;
    expect(tuned).toMatchObject({ segmentBytes: 8 * 1024 ** 2, compressionAge: 0, retention: 30 * 86_400_000 });
    expect(() => loadConfig({ file, environment: { CLAUDINE_OUTPUT_MAX_BYTES_PER_TASK: '10' } })).toThrow(
      /output\.maxBytesPerTask: the cap must be at least 1KiB/,
    );
  });

  it('names the file and what to do when it is not JSON', () => {
    writeFileSync(file, '{ "concurrency": 3, ');
    expect(() => loadConfig({ file, environment: {} })).toThrow(
      expect.objectContaining({ code: 'config_invalid', message: expect.stringMatching(/config\.json is not valid JSON.*move it aside/s) }),
    );
  });

  it('names the bad field, whether from the file or the environment', () => {
    writeFileSync(file, JSON.stringify({ timeout: { default: 'soon' }, colour: 'red' }));
    expect(() => loadConfig({ file, environment: {} })).toThrow(/timeout\.default: "soon" is not a duration[\s\S]*colour/);
    expect(() => loadConfig({ file: join(temp.path, 'none.json'), environment: { CLAUDINE_CONCURRENCY: 'lots' } })).toThrow(
      /CLAUDINE_CONCURRENCY[\s\S]*concurrency/,
    );
  });

  it('maps every setting to a CLAUDINE_ environment variable', () => {
    expect(settingPaths()).toEqual(expect.arrayContaining(['concurrency', 'timeout.killGrace', 'agents.claude.command']));
    expect(environmentName('timeout.killGrace')).toBe('CLAUDINE_TIMEOUT_KILL_GRACE');
    expect(environmentName('agents.claude.permissionMode')).toBe('CLAUDINE_AGENTS_CLAUDE_PERMISSION_MODE');
  });

  it('checks the timeouts together and durations for their unit, in the file and the environment alike', () => {
    expect(() => loadConfig({ file, environment: { CLAUDINE_TIMEOUT_DEFAULT: '0' } })).toThrow(
      /timeout\.default: must be longer than 0 .*\(set in CLAUDINE_TIMEOUT_DEFAULT\)/,
    );
    writeFileSync(file, JSON.stringify({ timeout: { default: '3h' } }));
    expect(() => loadConfig({ file, environment: {} })).toThrow(/timeout: timeout\.max \(2 h\) is shorter than timeout\.default \(3 h\)/);
    expect(() => loadConfig({ file, environment: { CLAUDINE_TIMEOUT_MAX: '4h' } })).not.toThrow();
    expect(() => loadConfig({ file, environment: { CLAUDINE_TIMEOUT_MAX: '1h' } })).toThrow(
      new RegExp(
        `timeout\\.max \\(1 h\\) is shorter than timeout\\.default \\(3 h\\).*\\(set in (CLAUDINE_TIMEOUT_MAX, ${file.replaceAll('.', '\\.')}|${file.replaceAll('.', '\\.')}, CLAUDINE_TIMEOUT_MAX)\\)`,
      ),
    );
    expect(() => loadConfig({ file, environment: { CLAUDINE_HOST_IDLE_EXIT: '300' } })).toThrow(
      /host\.idleExit: "300" has no unit: write e\.g\. 300s, 300m or 300h \(300ms if you mean milliseconds\)/,
    );
    expect(
      loadConfig({ file, environment: { CLAUDINE_OUTPUT_COMPRESSION_AGE: '0', CLAUDINE_TIMEOUT_MAX: '4h' } }).config.output.compressionAge,
    ).toBe(0);
    writeFileSync(file, JSON.stringify({ timeout: { killGrace: '2000' } }));
    expect(() => loadConfig({ file, environment: {} })).toThrow(/timeout\.killGrace: "2000" has no unit/);
  });

  it('blames only the variable that is wrong, not a config file that is fine', () => {
    writeFileSync(file, JSON.stringify({ concurrency: 3, timeout: { default: '10m' } }));
    let message = '';
    try {
      loadConfig({ file, environment: { CLAUDINE_CONCURRENCY: 'lots', CLAUDINE_HOST_IDLE_EXIT: '2m' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /^The configuration is invalid \(from CLAUDINE_CONCURRENCY\):\n {2}concurrency: .*\(set in CLAUDINE_CONCURRENCY\)/,
    );
    expect(message).not.toContain(file);
    expect(message).not.toContain('CLAUDINE_HOST_IDLE_EXIT');
  });
});
