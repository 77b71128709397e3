// Allocates <mebibytes> MiB, touches every page, holds it for <ms>, then exits:
// `node hold-memory.mjs 256 1000`. With $CLAUDINE_TEST_HWM_FILE set, it appends its own peak
// resident size (VmHWM, KiB) there before exiting: the kernel's exact figure for this process.
import { appendFileSync, readFileSync } from 'node:fs';

const mebibytes = Number(process.argv[2] ?? 64);
const holdMs = Number(process.argv[3] ?? 1000);
const block = Buffer.alloc(mebibytes * 1024 * 1024, 1);
setTimeout(() => {
  if (block[block.length - 1] !== 1) process.exit(1);
  const file = process.env.CLAUDINE_TEST_HWM_FILE;
  if (file) {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) appendFileSync(file, `${match[1]}\n`);
  }
}, holdMs);
