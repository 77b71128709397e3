import type { AgentReport, RunResult, TerminationReason } from '@claudine/core';
import type { TreeTerminationOutcome } from '../process/terminate-process-tree.js';

/** Why Claudine stopped a run, when it did. */
export type StopReason = TerminationReason | 'timeout';

/** What is known of a run once its processes are gone. */
export interface RunFacts {
  readonly exit: { readonly exitCode: number | null; readonly signal: string | null };
  readonly report: AgentReport | null;
  /** Why the agent could not start, if it could not. */
  readonly spawnError: string | undefined;
  /** Why Claudine stopped it, if it did, and how that went. */
  readonly stop: { readonly reason: StopReason; readonly detail: string } | undefined;
  readonly terminated: TreeTerminationOutcome | undefined;
  /** The last non-empty line the agent wrote to stderr. */
  readonly lastErrorLine: string | undefined;
}

/**
 * How a run ended, in the terms of `RunResult`: a start that failed, then a stop by Claudine,
 * then an error the agent reported, then its exit status. A failure's detail carries the
 * agent's own words where it gave any (its error result, else its last line on stderr).
 */
export function runOutcome(facts: RunFacts): Omit<RunResult, 'outputTruncated' | 'termination'> {
  const { exit, report } = facts;
  const base = { exitCode: exit.exitCode, signal: exit.signal, report };
  if (facts.spawnError !== undefined) {
    return { ...base, exitCode: null, failure: { reason: 'spawn_error', detail: facts.spawnError }, transient: false };
  }
  if (facts.stop !== undefined) {
    const outcome = facts.terminated;
    const killed = outcome?.killAt != null ? ', killed after the grace period' : '';
    const outside = outcome === undefined ? 0 : Math.max(outcome.term.outsideGroup, outcome.kill?.outsideGroup ?? 0);
    const escaped = outside > 0 ? ` (with ${plural(outside, 'process')} that had left its process group)` : '';
    return { ...base, failure: { reason: facts.stop.reason, detail: `${facts.stop.detail}${killed}${escaped}` }, transient: false };
  }
  if (report?.isError === true) {
    const text = firstLine(report.resultText) ?? facts.lastErrorLine ?? report.errorKind ?? 'the agent reported an error';
    return { ...base, failure: { reason: 'agent_error', detail: text }, transient: report.transient };
  }
  if (exit.signal !== null) {
    return { ...base, failure: { reason: 'exit_code', detail: `killed by ${exit.signal}` }, transient: false };
  }
  if (exit.exitCode !== 0) {
    const said = facts.lastErrorLine === undefined ? '' : `: ${facts.lastErrorLine}`;
    return {
      ...base,
      failure: { reason: 'exit_code', detail: `exited with code ${exit.exitCode}${said}` },
      transient: report?.transient ?? false,
    };
  }
  return { ...base, failure: null, transient: false };
}

function firstLine(text: string | null): string | undefined {
  if (text === null) return undefined;
  const line = text.trim().split('\n')[0]?.trim();
  return line === undefined || line === '' ? undefined : line.slice(0, 500);
}

/** `1 process`, `2 processes`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : noun.endsWith('s') ? 'es' : 's'}`;
}
