// Submits `count` command tasks, one transaction each, and prints their ids as JSON. Several of
// these run at once against one data directory (CLAUDINE_HOME). Runs the built package.
import { openClaudine } from '@claudine/runtime';

const [count, cwd, log] = process.argv.slice(2);
const claudine = openClaudine({ autoStartHost: false });
const ids = [];
for (let index = 0; index < Number(count); index += 1) {
  const { task } = await claudine.submit({
    agent: 'command',
    cwd,
    // Each run logs its start and end with nanosecond times, to check overlaps afterwards.
    prompt: `echo "start $CLAUDINE_TASK_ID $(date +%s%N)" >> ${log}; sleep 0.05; echo "end $CLAUDINE_TASK_ID $(date +%s%N)" >> ${log}`,
    maxRetries: 0,
  });
  ids.push(task.id);
}
claudine.close();
process.stdout.write(JSON.stringify(ids));
