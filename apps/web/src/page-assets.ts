import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClaudineError } from '@claudine/core';

/** One file of the page's bundle, held in memory. */
export interface PageAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** The page: its HTML shell and the bundled files served under `/assets/`. */
export interface PageAssets {
  readonly index: PageAsset;
  asset(name: string): PageAsset | undefined;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

/** Where the build puts the bundle: `dist/page` of this package, from `src/` or `dist/` alike. */
export const DEFAULT_ASSETS_DIRECTORY = fileURLToPath(new URL('../dist/page/', import.meta.url));

/**
 * Loads the bundle the build wrote (`pnpm build` runs esbuild after `tsc -b`). It is small, so
 * it is read once and served from memory. Throws `not_found` when it was never built.
 */
export function loadPageAssets(directory = DEFAULT_ASSETS_DIRECTORY): PageAssets {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    throw new ClaudineError(
      'not_found',
      `The dashboard's page is not built (${directory} is missing): run \`pnpm build\`, or reinstall claudine.`,
      {
        cause: error,
      },
    );
  }
  const assets = new Map<string, PageAsset>();
  for (const name of names) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = readFileSync(join(directory, name));
    assets.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  const index = assets.get('index.html');
  if (index === undefined) {
    throw new ClaudineError('not_found', `The dashboard's page is not built (${directory} has no index.html): run \`pnpm build\`.`);
  }
  return { index, asset: (name) => (name === 'index.html' ? undefined : assets.get(name)) };
}
