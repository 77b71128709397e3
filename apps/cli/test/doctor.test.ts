import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorJson } from '../src/json-shapes.js';
import { type CliSession, createCliSession } from './session.test-helper.js';

// `claudine doctor` asks the real Claude Code CLI whether it is logged in: a machine where it
// is not must not be reported ready, since every claude task would fail there.

// The real CLI, a dev dependency of @claudine/runner (as the runner's own tests find it).
const runnerRequire = createRequire(new URL('../../../packages/runner/package.json', import.meta.url));
const realClaude = join(dirname(runnerRequire.resolve('@anthropic-ai/claude-code/package.json')), 'bin', 'claude.exe');

// Whatever logs Claude Code in, from the environment the tests run in.
const CREDENTIALS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CONFIG_DIR'];

let session: CliSession | undefined;

afterEach(async () => {
  await session?.close();
  session = undefined;
});

function doctorSession(extra: Record<string, string> = {}): CliSession {
  const created = createCliSession();
  const userHome = join(created.root, 'user');
  mkdirSync(userHome);
  const env = { ...created.env, CLAUDINE_AGENTS_CLAUDE_COMMAND: realClaude, HOME: userHome, ...extra };
  for (const name of CREDENTIALS) if (!(name in extra)) delete env[name];
  created.env = env;
  return created;
}

describe('claudine doctor and the Claude Code login', () => {
  it('reports a Claude Code that is not logged in as a problem, with how to log in', async () => {
    session = doctorSession();
    const result = await session.cli(['doctor', '--json'], { timeoutMs: 60_000 });
    const report = DoctorJson.parse(JSON.parse(result.stdout));
    const claude = report.checks.find((check) => check.id === 'claude');
    expect(claude).toMatchObject({ status: 'ok', detail: expect.stringContaining('(Claude Code)') });
    const login = report.checks.find((check) => check.id === 'claude-login');
    expect(login).toMatchObject({ status: 'fail', detail: expect.stringContaining('not logged in') });
    expect(login?.fix).toContain('claude auth login');
    expect(login?.fix).toContain('claude setup-token');
    expect(report.ok).toBe(false);
    expect(result.code).toBe(1);

    const human = await session.cli(['doctor'], { timeoutMs: 60_000 });
    expect(human.stdout).toMatch(/✗ Claude Code login\s+Claude Code is not logged in, so every claude task fails/);
    expect(human.stdout).toContain('→ Log in once');
    expect(human.stdout).not.toContain('all good');
  }, 90_000);

  it('accepts a Claude Code logged in by an API key, and only warns when claude is not the default agent', async () => {
    session = doctorSession({ ANTHROPIC_API_KEY: 'sk-ant-api03-not-a-real-key' });
    const loggedIn = DoctorJson.parse(JSON.parse((await session.cli(['doctor', '--json'], { timeoutMs: 60_000 })).stdout));
    expect(loggedIn.checks.find((check) => check.id === 'claude-login')).toMatchObject({
      status: 'ok',
      detail: 'logged in (api_key from ANTHROPIC_API_KEY)',
      fix: null,
    });
    await session.close();
    session = doctorSession({ CLAUDINE_DEFAULTS_AGENT: 'command' });
    const other = DoctorJson.parse(JSON.parse((await session.cli(['doctor', '--json'], { timeoutMs: 60_000 })).stdout));
    expect(other.checks.find((check) => check.id === 'claude-login')).toMatchObject({ status: 'warn' });
  }, 90_000);
});
