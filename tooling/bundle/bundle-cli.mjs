#!/usr/bin/env node
// @ts-check
// `claudine-bundle [--metafile=<path>] <name>=<dist file> ...`: bundles each file into
// bundle/<name>.js of the current package (see bundle.mjs); a name ending in .cjs makes a
// CommonJS bundle, bundle/<name>. Run by the root `pnpm build`
// (`pnpm -r run bundle`, after tsc).
import { bundleEntries } from './bundle.mjs';

const args = process.argv.slice(2);
const metafile = args.find((argument) => argument.startsWith('--metafile='))?.slice('--metafile='.length);
const entries = args
  .filter((argument) => !argument.startsWith('--'))
  .map((argument) => {
    const [name, file] = argument.split('=');
    if (name === undefined || file === undefined || name === '' || file === '') {
      throw new Error(`claudine-bundle: "${argument}" is not <name>=<file>`);
    }
    return name.endsWith('.cjs') ? { name: name.slice(0, -'.cjs'.length), file, format: /** @type {const} */ ('cjs') } : { name, file };
  });
if (entries.length === 0) throw new Error('claudine-bundle: name at least one <name>=<file> entry');
await bundleEntries(process.cwd(), entries, metafile === undefined ? {} : { metafile });
process.stdout.write(`bundled ${entries.map((entry) => `bundle/${entry.name}.${entry.format ?? 'js'}`).join(', ')}\n`);
