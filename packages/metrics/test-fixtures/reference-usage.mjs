// Runs `/bin/sh -c <command>`, waits for it, and prints what the kernel charged to it as JSON:
// the CPU time of every process it waited for (this process's cutime and cstime in
// /proc/self/stat, the same counters GNU time reads through wait4), and the largest peak
// resident size reported by processes of the command that write it to $CLAUDINE_TEST_HWM_FILE.
// A reference for the accuracy tests on machines without GNU time.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const [command, hwmFile] = process.argv.slice(2);
const ticksPerSecond = 100; // USER_HZ, fixed at 100 by the kernel's user interface on Linux.
const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore', env: { ...process.env, CLAUDINE_TEST_HWM_FILE: hwmFile } });
child.on('close', () => {
  // Read after libuv reaped the shell: its time (and its waited-for children's) is now ours.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const childUserTicks = Number(fields[13]);
  const childSystemTicks = Number(fields[14]);
  const peaks = existsSync(hwmFile) ? readFileSync(hwmFile, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
  process.stdout.write(
    JSON.stringify({
      userMs: (childUserTicks * 1000) / ticksPerSecond,
      systemMs: (childSystemTicks * 1000) / ticksPerSecond,
      maxResidentBytes: peaks.length === 0 ? 0 : Math.max(...peaks) * 1024,
    }),
  );
});
