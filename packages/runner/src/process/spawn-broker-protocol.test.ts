import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEnvironmentChanges, environmentChanges } from './spawn-broker-protocol.js';

describe('environment changes', () => {
  it('sends the first environment whole, then only what changed', () => {
    const first = { PATH: '/bin', HOME: '/root', GONE: undefined };
    expect(environmentChanges(undefined, first)).toEqual({ from: 'empty', set: { PATH: '/bin', HOME: '/root' }, unset: [] });
    const second = { PATH: '/bin', CLAUDINE_TASK_ID: 'a1', HOME: undefined };
    expect(environmentChanges(first, second)).toEqual({ from: 'previous', set: { CLAUDINE_TASK_ID: 'a1' }, unset: ['HOME'] });
    expect(environmentChanges(second, { ...second, GONE: 'back' })).toEqual({ from: 'previous', set: { GONE: 'back' }, unset: [] });
  });

  it('rebuilds every environment of a sequence on the other side, whatever the variable names', () => {
    const name = fc.oneof(fc.constantFrom('PATH', 'HOME', 'constructor', '__proto__', 'toString', 'hasOwnProperty'), fc.string());
    const environment = fc.dictionary(name, fc.option(fc.string(), { nil: undefined }), { maxKeys: 8 });
    fc.assert(
      fc.property(fc.array(environment, { minLength: 1, maxLength: 6 }), (sequence) => {
        let sent: Record<string, string | undefined> | undefined;
        let received: Record<string, string> | undefined;
        for (const wanted of sequence) {
          const changes = environmentChanges(sent, wanted);
          sent = wanted;
          // Through JSON, as over the IPC channel.
          received = applyEnvironmentChanges(received, JSON.parse(JSON.stringify(changes)));
          const expected = Object.entries(wanted).filter(([, value]) => value !== undefined);
          expect(Object.entries(received).sort()).toEqual(expected.sort());
        }
      }),
    );
  });
});
