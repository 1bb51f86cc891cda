/**
 * Shared pieces of the property-based reader tests (test/prop-*.test.ts): hostile tokens, random
 * damage to a text, and the corruption property (typed error with a bounded message, or a
 * consistent result; never another exception).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { DqpError } from '../optimizer/errors.ts';

/** Damaged files per corruption property. */
export const CORRUPTIONS = 300;

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

export const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

/** Element-wise equality with Object.is (−0 ≠ 0, exact bits). */
export function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) expect.fail(`${what}[${k}]: ${a[k]} read back as ${b[k]}`);
}

/** Tokens that hostile files put where numbers or indices belong. */
const hostileToken = fc.oneof(
  fc.constantFrom(
    'NaN', 'nan', 'inf', '-inf', 'Infinity', '1e400', '-1e999', '9'.repeat(2000), '0', '-1', '-0', '2147483648', '2e9',
    '99999999999999999999', '1.5.5', '--1', '0x10', '1e', '.', '', '\0', '\\', '/', '//', '#', '%', '\n', '\r', '"', '{', '}', '[', ']',
    ',', ':', 'null', 'true', 'x', ' ', '\t', 'f', 'v', 'vt', '%%MatrixMarket',
  ),
  fc.string({ maxLength: 6 }),
);

type Damage =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; ch: string }
  | { kind: 'insert'; at: number; s: string }
  | { kind: 'token'; nth: number; s: string };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), ch: fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), hostileToken) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), s: hostileToken }),
  fc.record({ kind: fc.constant('token' as const), nth: fc.nat(200), s: hostileToken }),
);

/** Apply the damage to a text (positions are fractions of its length). */
export function corrupt(text: string, ds: Damage[]): string {
  let t = text;
  for (const d of ds) {
    if (d.kind === 'token') {
      // replace the nth number-like token (indices, sizes, values) by the hostile one
      const tokens = [...t.matchAll(/[-+]?[0-9][0-9.eE+-]*/g)];
      if (tokens.length === 0) continue;
      const m = tokens[d.nth % tokens.length]!;
      t = t.slice(0, m.index) + d.s + t.slice(m.index! + m[0].length);
      continue;
    }
    const at = Math.min(t.length, Math.floor(d.at * (t.length + 1)));
    if (d.kind === 'truncate') t = t.slice(0, at);
    else if (d.kind === 'flip') t = t.slice(0, at) + d.ch + t.slice(at + 1);
    else t = t.slice(0, at) + d.s + t.slice(at);
  }
  return t;
}

/** 'ok' when fn returns, 'typed' for a DqpError with a bounded message; anything else is rethrown. */
export function outcome<T>(fn: () => T, check: (value: T) => void): 'ok' | 'typed' {
  let value: T;
  try {
    value = fn();
  } catch (e) {
    if (!(e instanceof DqpError)) throw e;
    if (e.message.length > 600) expect.fail(`a ${e.message.length}-character message: ${e.message.slice(0, 200)}…`);
    return 'typed';
  }
  check(value);
  return 'ok';
}

/** Run a corruption property and require that at least `minTyped` of the runs were errors. */
export function corruptionProperty<V>(valid: fc.Arbitrary<string>, read: (text: string) => V, check: (value: V) => void, seed: number): void {
  let typed = 0;
  let total = 0;
  fc.assert(
    fc.property(valid, fc.array(damage, { minLength: 1, maxLength: 3 }), (text, ds) => {
      total++;
      if (outcome(() => read(corrupt(text, ds)), check) === 'typed') typed++;
    }),
    { numRuns: CORRUPTIONS, seed },
  );
  // the damage must actually exercise the error paths (a property that never fails a read
  // would test nothing); measured with these seeds: 284, 295 and 290 of 300 runs end in an error
  expect(typed / total).toBeGreaterThan(0.5);
}

