// @ts-check
// Bundles the dashboard's page (Preact, uPlot, dagre and the page's own code) into dist/page,
// which the server serves from memory: no CDN, works offline. Type checking is tsc's (the page
// is a project of `tsc -b`); esbuild only strips types and bundles. Run by the root `pnpm build`
// (`pnpm -r run bundle`, after tsc), or alone with `pnpm --filter @claudine/web bundle`.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'page');
const out = join(root, 'dist', 'page');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { app: join(page, 'main.tsx'), login: join(page, 'login.ts') },
  outdir: out,
  bundle: true,
  // Charts (uPlot) and graph layout (dagre) load with the pages that draw them.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const file of ['index.html', 'favicon.svg']) copyFileSync(join(page, file), join(out, file));
