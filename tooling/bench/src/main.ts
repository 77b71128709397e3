// `pnpm bench [name...]`: runs every benchmark (or those whose name contains one of the
// arguments) one after another and prints Markdown tables for BENCHMARKS.md.
import { availableParallelism, cpus, totalmem } from 'node:os';
import { BENCHMARKS } from './benches/index.js';
import { runBenchmark } from './harness.js';

const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const selected = BENCHMARKS.filter((benchmark) => filters.length === 0 || filters.some((filter) => benchmark.name.includes(filter)));
if (selected.length === 0) {
  process.stderr.write(`No benchmark matches ${filters.join(', ')}. Known: ${BENCHMARKS.map((benchmark) => benchmark.name).join(', ')}\n`);
  process.exitCode = BENCHMARKS.length === 0 ? 0 : 2;
} else {
  process.stdout.write(
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${new Date().toISOString()}\n\n`,
  );
  for (const benchmark of selected) {
    process.stderr.write(`running ${benchmark.name}...\n`);
    process.stdout.write(`${await runBenchmark(benchmark)}\n\n`);
  }
}
