import { request } from 'node:http';
import { isTerminalStatus } from '@claudine/core';
import { createGitRepository, waitFor } from '@claudine/test-utils';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../scripts/chromium.mjs';
import { type DashboardFixture, startDashboardFixture } from './dashboard.test-helper.js';

// One dashboard, one host and one browser for the file: chromium takes seconds to start on two
// shared cores. Each test submits its own tasks.

let fixture: DashboardFixture;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  fixture = await startDashboardFixture();
  browser = await launchChromium();
  // The page's notifications are recorded, not shown: a headless browser has no desktop.
  await browser.context.addInitScript(() => {
    const shown: string[] = [];
    (window as unknown as { shownNotifications: string[] }).shownNotifications = shown;
    class RecordedNotification extends EventTarget {
      static permission = 'granted';
      static requestPermission = async () => 'granted';
      constructor(title: string, options?: { body?: string }) {
        super();
        shown.push(`${title} | ${options?.body ?? ''}`);
      }
      close() {}
    }
    Object.defineProperty(window, 'Notification', { value: RecordedNotification });
  });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

const command = (prompt: string, labels: string[] = []) =>
  fixture.claudine.submit({ prompt, agent: 'command', cwd: fixture.workdir, labels }).then((outcome) => outcome.task);

describe('the dashboard, signed out', () => {
  it('answers 401 without the token, for the page and the API, and says how to get in', async () => {
    const pageAnswer = await fetch(`${fixture.origin}/tasks`);
    expect(pageAnswer.status).toBe(401);
    expect(await pageAnswer.text()).toContain('claudine ui');
    const api = await fetch(`${fixture.origin}/api/tasks`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ code: 'unauthorized', error: expect.stringContaining('claudine ui') });
    const wrong = await fetch(`${fixture.origin}/api/tasks`, {
      headers: { cookie: `claudine_dashboard_${fixture.port}=${'x'.repeat(43)}` },
    });
    expect(wrong.status).toBe(401);
    const events = await fetch(`${fixture.origin}/api/events`);
    expect(events.status).toBe(401);
  });

  it('refuses a request naming another host (DNS rebinding) and a POST from any other origin, even with the token', async () => {
    const task = await command('sleep 30');
    const cookie = `claudine_dashboard_${fixture.port}=${fixture.token}`;
    const post = (headers: Record<string, string>) =>
      fetch(`${fixture.origin}/api/tasks/${task.id}/cancel`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    for (const origin of ['https://evil.example', `http://localhost:${fixture.port + 1}`, 'null']) {
      const refused = await post({ origin });
      expect(refused.status, origin).toBe(403);
    }
    expect((await post({})).status).toBe(403);
    // fetch() does not let a caller set Host: a raw request does, as a rebinding page's browser would.
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      request(`${fixture.origin}/api/tasks`, { headers: { cookie, host: `attacker.example:${fixture.port}` } }, (answer) => {
        answer.resume();
        resolve(answer.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
    expect((await fixture.claudine.get(task.id)).cancelRequestedAt).toBeNull();
    // With its own origin and the token, the same request is taken.
    expect((await post({ origin: fixture.origin })).status).toBe(200);
    await waitFor(async () => isTerminalStatus((await fixture.claudine.get(task.id)).status), {
      description: 'the cancel',
      timeoutMs: 30_000,
    });
  });

  it('signs a browser in with the printed link: the token leaves the address, an HttpOnly SameSite=Strict cookie holds it', async () => {
    await page.goto(fixture.signInUrl);
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    expect(page.url()).toBe(`${fixture.origin}/`);
    const cookies = await browser.context.cookies(fixture.origin);
    const session = cookies.find((cookie) => cookie.name === `claudine_dashboard_${fixture.port}`);
    expect(session).toMatchObject({ value: fixture.token, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });
});

describe('the dashboard, signed in', () => {
  it('lists the submitted tasks, follows a running one live, cancels it, and notifies', async () => {
    const running = await command('for i in $(seq 1 600); do echo "tick-$i"; sleep 0.1; done', ['e2e-live']);
    const done = await command('echo finished-task');
    await page.goto(`${fixture.origin}/tasks`);
    const table = page.getByTestId('tasks-table');
    await table.locator(`tr[data-task-id="${running.id}"]`).waitFor();
    await table.locator(`tr[data-task-id="${done.id}"][data-state="completed"]`).waitFor({ timeout: 30_000 });
    await table.locator(`tr[data-task-id="${running.id}"][data-state="running"]`).waitFor({ timeout: 30_000 });

    // Filters live in the address, and the server applies them.
    await page.goto(`${fixture.origin}/tasks?label=e2e-live`);
    await table.locator(`tr[data-task-id="${running.id}"]`).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);

    // So does the search, typed into the page.
    await page.goto(`${fixture.origin}/tasks`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('finished-task');
    await page.waitForURL(/[?&]q=finished-task/);
    await table.locator(`tr[data-task-id="${running.id}"]`).waitFor({ state: 'detached' });
    expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task-id')))).toEqual([done.id]);

    await page.goto(`${fixture.origin}/tasks?label=e2e-live`);
    await table.locator(`tr[data-task-id="${running.id}"] a.task-title`).click();
    await page.waitForURL(`${fixture.origin}/tasks/${running.id}`);
    const log = page.getByTestId('log');
    await log
      .getByText(/^tick-\d+$/)
      .first()
      .waitFor({ timeout: 30_000 });
    const lastTick = async () => {
      const lines = await log.locator('.log-line').allTextContents();
      return Math.max(0, ...lines.map((line) => Number(/^tick-(\d+)$/.exec(line)?.[1] ?? 0)));
    };
    const first = await lastTick();
    // New lines arrive without reloading: the number keeps climbing.
    await waitFor(async () => (await lastTick()) >= first + 5, { description: 'more log lines to arrive', timeoutMs: 20_000 });

    // CPU and memory over time, from the host's samples while it runs.
    await page.getByTestId('cpu-chart').locator('canvas').waitFor({ timeout: 20_000 });
    await page.getByTestId('memory-chart').locator('canvas').waitFor();

    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitFor(async () => (await fixture.claudine.get(running.id)).status === 'cancelled', {
      description: 'the store to show the task cancelled',
      timeoutMs: 30_000,
    });
    await page.locator(`[data-testid="task-page"][data-state="cancelled"]`).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Cancel' }).waitFor({ state: 'detached' });
    await page.getByText('The task is cancelled: this is its whole log.').waitFor({ timeout: 20_000 });
    const notifications = await waitFor(
      async () => {
        const shown = await page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications);
        return shown.some((text) => text.startsWith(`Task ${running.id} was cancelled`)) ? shown : undefined;
      },
      { description: 'a browser notification of the end', timeoutMs: 20_000 },
    );
    expect(notifications.join('\n')).toContain('tick-');
  });

  it('renders a claude transcript readably, with tokens and cost', async () => {
    const { task } = await fixture.claudine.submit({
      prompt: 'Summarise the repository [[fake: say Reading the files now; tool Bash; cost 0.0421; succeed All done]]',
      agent: 'claude',
      cwd: fixture.workdir,
    });
    await waitFor(async () => (await fixture.claudine.get(task.id)).status === 'completed', {
      description: 'the claude task',
      timeoutMs: 30_000,
    });
    await page.goto(`${fixture.origin}/tasks/${task.id}`);
    const log = page.getByTestId('log');
    await log.getByText('Reading the files now').waitFor();
    expect(await log.textContent()).not.toContain('"type":"assistant"');
    await page.getByText('$0.042').first().waitFor();
    expect(await page.getByRole('button', { name: 'Resume…' }).count()).toBe(1);
  });

  it('retries a failed task', async () => {
    const failed = await command('echo about to fail; exit 3');
    await waitFor(async () => (await fixture.claudine.get(failed.id)).status === 'failed', {
      description: 'the failure',
      timeoutMs: 30_000,
    });
    await page.goto(`${fixture.origin}/tasks?state=failed`);
    await page.locator(`tr[data-task-id="${failed.id}"]`).click();
    await page.getByTestId('failure').getByText('exit code').waitFor();
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText(`Task ${failed.id} is queued again`).waitFor();
    await waitFor(
      async () => {
        const task = await fixture.claudine.get(failed.id);
        return task.attempt === 2 && task.status === 'failed' ? task : undefined;
      },
      { description: 'the second attempt to run', timeoutMs: 30_000 },
    );
    const attempts = page.locator('.small-table tbody tr');
    await waitFor(async () => (await attempts.count()) === 2, { description: 'the page to show both attempts', timeoutMs: 20_000 });
  });

  it('draws a workflow, each node coloured by its state and linked to its task', async () => {
    const first = await command('echo first');
    const gate = await command('sleep 60');
    const { task: last } = await fixture.claudine.submit({
      prompt: 'echo last',
      agent: 'command',
      cwd: fixture.workdir,
      dependsOn: [first.id, gate.id],
    });
    await page.goto(`${fixture.origin}/tasks/${last.id}`);
    await page.getByRole('link', { name: /Workflow · 3 tasks/ }).click();
    await page.waitForURL(`${fixture.origin}/workflows/${last.id}`);
    const graph = page.getByTestId('workflow-graph');
    for (const id of [first.id, gate.id, last.id]) await graph.locator(`[data-task-id="${id}"]`).waitFor();
    await graph.locator(`[data-task-id="${last.id}"][data-state="blocked"]`).waitFor();
    await graph.locator(`[data-task-id="${first.id}"][data-state="completed"]`).waitFor({ timeout: 30_000 });
    expect(await graph.locator('path.graph-edge').count()).toBe(2);
    await fixture.claudine.cancel(gate.id);
    // Live: the cancel reaches the graph (the gate's dependent fails with it) without a reload.
    await graph.locator(`[data-task-id="${gate.id}"][data-state="cancelled"]`).waitFor({ timeout: 20_000 });
    await graph.locator(`[data-task-id="${first.id}"]`).click();
    await page.waitForURL(`${fixture.origin}/tasks/${first.id}`);
  });

  it("shows a worktree task's diff in the Changes panel, merges it, and names the file of a conflicting one", async () => {
    const repository = createGitRepository();
    try {
      const edit = (text: string) =>
        fixture.claudine
          .submit({ prompt: `sed -i 's/^line 1$/${text}/' src/shared.txt`, agent: 'command', cwd: repository.path, worktree: true })
          .then((outcome) => outcome.task);
      const [landing, conflicting] = [await edit('line 1 from the first task'), await edit('line 1 from the second task')];
      for (const task of [landing, conflicting]) {
        await waitFor(async () => (await fixture.claudine.get(task.id)).status === 'completed', {
          description: `worktree task ${task.id}`,
          timeoutMs: 30_000,
        });
      }
      const before = repository.revParse('main');

      await page.goto(`${fixture.origin}/tasks/${landing.id}`);
      const changes = page.getByTestId('changes');
      await changes.getByText(`claudine/${landing.id}`).waitFor();
      await changes.getByRole('button', { name: 'Show diff' }).click();
      const diff = changes.locator('pre.diff');
      await diff.locator('div.add', { hasText: '+line 1 from the first task' }).waitFor();
      await diff.locator('div.del', { hasText: '-line 1' }).first().waitFor();
      await changes.locator('.file-list li', { hasText: 'src/shared.txt' }).waitFor();
      await changes.getByRole('button', { name: 'Merge' }).click();
      await changes.getByText(/^Merged into main as/).waitFor({ timeout: 20_000 });
      expect(repository.git(['show', 'main:src/shared.txt'])).toContain('line 1 from the first task');
      const merged = repository.revParse('main');
      expect(merged).not.toBe(before);

      await page.goto(`${fixture.origin}/tasks/${conflicting.id}`);
      await changes.getByText(`claudine/${conflicting.id}`).waitFor();
      await changes.getByRole('button', { name: 'Merge' }).click();
      const refusal = changes.locator('.notice.error');
      await refusal.locator('.file-list li', { hasText: 'src/shared.txt' }).waitFor({ timeout: 20_000 });
      expect(await refusal.textContent()).toMatch(/conflict/i);
      // Nothing changed: the target is where the first merge left it.
      expect(repository.revParse('main')).toBe(merged);
      expect(repository.git(['show', 'main:src/shared.txt'])).toContain('line 1 from the first task');
    } finally {
      repository.remove();
    }
  });

  it('shows the system: counts, spending and history charts', async () => {
    await page.goto(`${fixture.origin}/system`);
    await page.getByTestId('system-page').waitFor();
    await page.getByText('Finished, last hour').waitFor();
    await page.getByTestId('spending-chart').locator('canvas').waitFor();
  });
});
