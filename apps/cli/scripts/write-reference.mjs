// Regenerates the CLI reference in the repository's README from the built program
// (`pnpm --filter claudine reference`, after `pnpm build`). A test fails while they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { createProgram } from '../dist/program.js';
import { cliReference, replaceReference } from '../dist/reference.js';

const readmeUrl = new URL('../../../README.md', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const readme = readFileSync(readmeUrl, 'utf8');
const updated = replaceReference(readme, cliReference(createProgram(version)));
if (updated === readme) console.log('README.md: the CLI reference is up to date');
else {
  writeFileSync(readmeUrl, updated);
  console.log('README.md: the CLI reference was regenerated');
}
