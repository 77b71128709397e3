// Allocates <mebibytes> MiB, touches every page, holds it for <ms>, then exits:
// `node hold-memory.mjs 256 1000`.
const mebibytes = Number(process.argv[2] ?? 64);
const holdMs = Number(process.argv[3] ?? 1000);
const block = Buffer.alloc(mebibytes * 1024 * 1024, 1);
setTimeout(() => {
  if (block[block.length - 1] !== 1) process.exit(1);
}, holdMs);
