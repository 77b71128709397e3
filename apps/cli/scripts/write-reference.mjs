// Regenerates the CLI reference in the repository's README from the built program
// (`pnpm --filter claudine reference`, after `pnpm build`), formatted by Biome as `pnpm lint`
// expects. A test fails while README and program differ.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProgram } from '../dist/program.js';
import { cliReference, replaceReference } from '../dist/reference.js';

const readmeUrl = new URL('../../../README.md', import.meta.url);
const biome = fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const readme = readFileSync(readmeUrl, 'utf8');
const replaced = replaceReference(readme, cliReference(await createProgram(version)));
const formatted = execFileSync(biome, ['format', '--stdin-file-path=README.md'], { input: replaced, encoding: 'utf8' });
if (formatted === readme) console.log('README.md: the CLI reference is up to date');
else {
  writeFileSync(readmeUrl, formatted);
  console.log('README.md: the CLI reference was regenerated');
}
