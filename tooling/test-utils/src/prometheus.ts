/** One sample of a Prometheus text exposition. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed exposition: the samples, and the declared type of each metric family. */
export interface PrometheusExposition {
  readonly samples: readonly PrometheusSample[];
  readonly types: Readonly<Record<string, string>>;
  readonly help: Readonly<Record<string, string>>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/**
 * Parses the Prometheus text format (0.0.4) strictly: a line it does not understand throws, so
 * tests catch malformed output rather than skipping it. Every sample must belong to a family
 * declared with `# TYPE` before it.
 */
export function parsePrometheusText(text: string): PrometheusExposition {
  const samples: PrometheusSample[] = [];
  const types: Record<string, string> = {};
  const help: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (name === undefined || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type ?? '')) {
        throw new Error(`line ${index + 1}: bad TYPE: ${line}`);
      }
      if (types[name] !== undefined) throw new Error(`line ${index + 1}: ${name} declared twice`);
      types[name] = type as string;
      continue;
    }
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      help[rest.slice(0, rest.indexOf(' '))] = rest.slice(rest.indexOf(' ') + 1);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`line ${index + 1}: not a sample: ${line}`);
    const name = match[1] as string;
    const labels: Record<string, string> = {};
    const body = match[3] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const label = LABEL.exec(body);
      if (label === null) throw new Error(`line ${index + 1}: bad labels: ${body}`);
      labels[label[1] as string] = (label[2] as string).replaceAll(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    }
    const raw = match[4] as string;
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`line ${index + 1}: bad value ${raw}`);
    if (types[name] === undefined) throw new Error(`line ${index + 1}: ${name} has no # TYPE before it`);
    samples.push({ name, labels, value });
  }
  return { samples, types, help };
}

/** The value of the one sample named `name` whose labels include `labels`; throws when not exactly one. */
export function prometheusValue(exposition: PrometheusExposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = exposition.samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length !== 1) throw new Error(`expected one sample ${name} ${JSON.stringify(labels)}, found ${found.length}`);
  return (found[0] as PrometheusSample).value;
}
