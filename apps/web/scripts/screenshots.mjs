// @ts-check
// Writes the dashboard's screenshots (docs/screenshots/*.png) from a real run: a throwaway data
// directory, a real host running command tasks and the fake claude (tooling/test-utils), the
// built dashboard, and the same chromium as the tests. `pnpm build` first, then
// `pnpm --filter @claudine/web screenshots`.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openClaudine } from '@claudine/runtime';
import { fakeClaudePath, waitFor } from '@claudine/test-utils';
import { launchChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, '..', '..', 'docs', 'screenshots');
const scratch = mkdtempSync(join(tmpdir(), 'claudine-screenshots-'));
const home = join(scratch, 'home');
const workdir = join(scratch, 'acme-api');
mkdirSync(join(workdir, 'scripts'), { recursive: true });
mkdirSync(output, { recursive: true });

const environment = {
  ...process.env,
  CLAUDINE_HOME: home,
  CLAUDINE_AGENTS_CLAUDE_COMMAND: fakeClaudePath,
  CLAUDINE_HOST_IDLE_EXIT: '10m',
  CLAUDINE_BUDGET_DAILY: '5',
  CLAUDINE_METRICS_SAMPLE_INTERVAL: '300ms',
  CLAUDINE_METRICS_SNAPSHOT_INTERVAL: '1s',
};

// A test run that prints as it goes: what the task page follows live.
writeFileSync(
  join(workdir, 'scripts', 'ci.sh'),
  `#!/bin/sh
echo "> acme-api@2.4.0 test"
echo "> vitest run --coverage"
echo ""
for suite in users orders invoices payments webhooks sessions search exports audit billing; do
  sleep 0.7
  echo " ✓ src/api/$suite.test.ts ($(( (\${#suite} * 7) % 23 + 4 )) tests) $(( \${#suite} * 37 ))ms"
  node -e "let s = 0; for (let i = 0; i < 2e8; i++) s += i"
done
echo " ❯ src/api/reports.test.ts (6 tests | 1 failed)" >&2
sleep 600
`,
);
chmodSync(join(workdir, 'scripts', 'ci.sh'), 0o755);

const claudine = openClaudine({ home, environment });
/** @param {string} prompt @param {string} script @param {Partial<import('@claudine/core').NewTaskInput>} [extra] */
const claude = (prompt, script, extra = {}) =>
  claudine
    .submit({ prompt, agent: 'claude', cwd: workdir, agentOptions: { env: { FAKE_CLAUDE: script } }, ...extra })
    .then((outcome) => outcome.task);
/** @param {string} prompt @param {Partial<import('@claudine/core').NewTaskInput>} [extra] */
const command = (prompt, extra = {}) =>
  claudine.submit({ prompt, agent: 'command', cwd: workdir, ...extra }).then((outcome) => outcome.task);

let server;
let browser;
try {
  // The dashboard runs from the start: it charts a task's CPU and memory while it watches.
  server = spawn(process.execPath, [join(root, 'dist', 'bin.js'), '--port', '0'], {
    env: environment,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const signInUrl = await new Promise((resolve, reject) => {
    let text = '';
    server?.stdout?.setEncoding('utf8').on('data', (chunk) => {
      text += chunk;
      const match = /Claudine dashboard: (\S+)/.exec(text);
      if (match !== null) resolve(match[1]);
    });
    server?.once('exit', (code) => reject(new Error(`claudine-web exited with ${code}`)));
  });
  await claude(
    'Add input validation to src/api/users.ts (zod schemas for create and update), with tests',
    'sleep 400; say Reading src/api/users.ts and its tests; tool Read; tool Edit; say Added zod schemas and 9 tests; cost 0.38; succeed Validation added',
    { labels: ['api', 'validation'], priority: 'P0' },
  );
  await claude(
    'Write the changelog entry for 2.4.0 from the merged pull requests',
    'sleep 300; tool Bash; cost 0.07; succeed Changelog written',
    {
      labels: ['release'],
    },
  );
  await command('pnpm lint --max-warnings 0', { labels: ['ci'] });
  await claude(
    'Find why the invoices export times out for accounts with more than 10,000 rows',
    'sleep 500; tool Grep; say The query is missing an index; cost 0.21; fail Could not reproduce locally',
    {
      labels: ['bug'],
    },
  );
  const build = await command('sleep 1.5; echo built dist/', { labels: ['release'] });
  const unit = await command('sleep 2.5; echo 412 tests passed', { labels: ['release'], dependsOn: [build.id] });
  const e2e = await command('sleep 90', { labels: ['release'], dependsOn: [build.id] });
  await command('echo deploying preview', { labels: ['release'], dependsOn: [unit.id, e2e.id] });
  const cancelled = await command('sleep 300', { labels: ['experiment'] });
  const ci = await command('./scripts/ci.sh', { labels: ['ci'], priority: 'P0' });
  await claude(
    'Refactor the session middleware to use the new token store, keeping the public API',
    'sleep 200; say Mapping the call sites of SessionStore; tool Grep; tool Read; say Updating 14 call sites; tool Edit; sleep 120000; succeed Done',
    { labels: ['api', 'refactor'] },
  );
  await claude('Add OpenAPI examples for every endpoint under /v2', 'sleep 100; succeed Done', { labels: ['docs'], dependsOn: [e2e.id] });

  await waitFor(async () => (await claudine.get(ci.id)).status === 'running', { timeoutMs: 60_000, description: 'the CI task to start' });
  await claudine.cancel(cancelled.id, 'not needed any more');
  await waitFor(async () => (await claudine.list({ statuses: ['completed'] })).tasks.length >= 4, {
    timeoutMs: 60_000,
    description: 'tasks to complete',
  });
  // Let the CI task print most of its suites and the host take a few snapshots.
  await new Promise((resolve) => setTimeout(resolve, 9000));

  const origin = new URL(signInUrl).origin;
  browser = await launchChromium({ viewport: { width: 1440, height: 960 }, deviceScaleFactor: 1 });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(signInUrl);
  await page.locator('tbody tr').first().waitFor();

  const shoot = async (name, path, ready) => {
    await page.goto(`${origin}${path}`);
    await ready();
    // Charts and fonts settle.
    await page.waitForTimeout(1200);
    await page.screenshot({ path: join(output, `${name}.png`), fullPage: name === 'system' });
    console.log(`wrote docs/screenshots/${name}.png`);
  };
  await shoot('tasks', '/tasks', () => page.locator('tbody tr').nth(8).waitFor());
  await shoot('task', `/tasks/${ci.id}`, async () => {
    await page
      .getByTestId('log')
      .getByText(/billing|audit|exports/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByTestId('cpu-chart').locator('canvas').waitFor({ timeout: 30_000 });
  });
  await shoot('workflow', `/workflows/${unit.id}`, () => page.getByTestId('workflow-graph').waitFor());
  await shoot('system', '/system', () => page.getByTestId('cpu-history').locator('canvas').waitFor({ timeout: 30_000 }));
} finally {
  await browser?.close();
  if (server !== undefined) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  const { host } = await claudine.hostStatus();
  if (host !== null) {
    try {
      process.kill(host.pid, 'SIGTERM');
      await waitFor(
        () => {
          try {
            process.kill(host.pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        { timeoutMs: 20_000 },
      );
    } catch {}
  }
  claudine.close();
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
}
