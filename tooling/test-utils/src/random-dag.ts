import fc from 'fast-check';
/** A dependent's policy when a dependency fails (mirrors core's `DependencyPolicy`). */
export type RandomPolicy = 'fail' | 'cancel' | 'run';

/** A random DAG over `size` tasks named t0..t(n-1): task i depends only on tasks before it. */
export interface RandomDag {
  readonly size: number;
  /** `dependsOn[i]` lists the indices task i waits for (all < i, no duplicates). */
  readonly dependsOn: readonly (readonly number[])[];
}

/** Task name for index `index`. */
export function taskName(index: number): string {
  return `t${index}`;
}

/** Random DAGs of up to `maxSize` tasks, denser or sparser at random. */
export function dagArbitrary(maxSize = 25): fc.Arbitrary<RandomDag> {
  return fc
    .integer({ min: 1, max: maxSize })
    .chain((size) =>
      fc
        .tuple(
          ...Array.from({ length: size }, (_, index) =>
            index === 0 ? fc.constant<number[]>([]) : fc.uniqueArray(fc.nat({ max: index - 1 }), { maxLength: Math.min(index, 4) }),
          ),
        )
        .map((dependsOn) => ({ size, dependsOn })),
    );
}

/** A policy per task. */
export function policiesArbitrary(size: number): fc.Arbitrary<RandomPolicy[]> {
  return fc.array(fc.constantFrom<RandomPolicy>('fail', 'cancel', 'run'), { minLength: size, maxLength: size });
}

/**
 * The reachability oracle the properties compare against: `reach[a][b]` is true when task a
 * waits for task b, directly or not. Computed naively (depth-first from every task), so it shares
 * nothing with the code under test.
 */
export function reachability(size: number, edges: readonly (readonly [number, number])[]): boolean[][] {
  const adjacency = Array.from({ length: size }, () => [] as number[]);
  for (const [from, to] of edges) adjacency[from]?.push(to);
  return Array.from({ length: size }, (_, start) => {
    const seen = new Array<boolean>(size).fill(false);
    const stack = [...(adjacency[start] ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as number;
      if (seen[next]) continue;
      seen[next] = true;
      stack.push(...(adjacency[next] ?? []));
    }
    return seen;
  });
}

/** One edge offered by {@link offeredEdges}. */
export interface OfferedEdge {
  readonly task: number;
  readonly dependency: number;
  /** Whether `task -> dependency` would close a cycle among the edges accepted so far. */
  readonly wouldCycle: boolean;
}

/**
 * Offers `insertions` (index pairs, taken modulo `size`) one by one as new dependency edges,
 * the way a property test adds random edges to a graph under test. An edge that would not
 * close a cycle joins `accepted` (once) when the caller moves on to the next one, so
 * `accepted` is always the graph the next edge is offered to.
 */
export function* offeredEdges(
  size: number,
  insertions: readonly (readonly [number, number])[],
  accepted: Array<[number, number]>,
): Generator<OfferedEdge> {
  for (const [rawTask, rawDependency] of insertions) {
    const task = rawTask % size;
    const dependency = rawDependency % size;
    const wouldCycle = task === dependency || reachability(size, accepted)[dependency]?.[task] === true;
    yield { task, dependency, wouldCycle };
    if (!wouldCycle && !accepted.some(([from, to]) => from === task && to === dependency)) accepted.push([task, dependency]);
  }
}

/** The edges of a {@link RandomDag} as `[dependent, dependency]` index pairs. */
export function dagEdges(dag: RandomDag): Array<[number, number]> {
  return dag.dependsOn.flatMap((dependencies, index) => dependencies.map((dependency): [number, number] => [index, dependency]));
}
