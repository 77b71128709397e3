/**
 * The recursive CTE `workflow(seq)`: every task linked to the seed tasks by edges in either
 * direction, each once (UNION). `seeds` is the SELECT that starts the walk; `limit`, when given,
 * is a LIMIT clause that stops the walk itself, so a huge graph costs no more than the limit.
 * CROSS JOIN keeps the workflow as the outer loop (left to itself the planner scans every task),
 * and the two tables of reverse edges (migration 13) are named, not their view: through the view
 * the planner would copy every edge into a temporary index for each step.
 */
export function workflowWalk(seeds: string, limit = ''): string {
  return `WITH RECURSIVE workflow(seq) AS (
       ${seeds}
       UNION
       SELECT d.value FROM workflow AS w CROSS JOIN tasks AS t ON t.seq = w.seq, json_each(t.dependency_seqs) AS d
       UNION
       SELECT d.task_seq FROM task_dependents_merged AS d JOIN workflow AS w ON d.depends_on_seq = w.seq
       UNION
       SELECT d.task_seq FROM task_dependents_recent AS d JOIN workflow AS w ON d.depends_on_seq = w.seq
       ${limit}
     )`;
}
