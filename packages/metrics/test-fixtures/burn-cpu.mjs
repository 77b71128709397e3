// Burns <seconds> of CPU time in user mode, then exits: `node burn-cpu.mjs 0.5`. The clock is
// read only every so often, so the time goes to user mode rather than to system calls.
const seconds = Number(process.argv[2] ?? 1);
const target = process.cpuUsage().user + seconds * 1e6;
let spin = 0;
while (process.cpuUsage().user < target) {
  for (let index = 0; index < 200_000; index += 1) spin = (spin * 31 + index) % 1_000_003;
}
if (spin < 0) process.stdout.write('never');
