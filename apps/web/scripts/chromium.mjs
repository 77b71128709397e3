// @ts-check
// How every browser of this package starts (end-to-end tests, screenshots, the bench): Debian's
// chromium driven by playwright-core, never a downloaded browser, with a new empty profile and
// nothing that reaches the network on its own.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** The browser: Debian's `chromium` package (`apt-get install chromium`), or $CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts chromium with a fresh profile directory (removed on close).
 * @param {{ viewport?: { width: number; height: number }; deviceScaleFactor?: number }} [options]
 * @returns {Promise<{ context: import('playwright-core').BrowserContext; close(): Promise<void> }>}
 */
export async function launchChromium(options = {}) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No browser at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'claudine-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: options.viewport ?? { width: 1400, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
