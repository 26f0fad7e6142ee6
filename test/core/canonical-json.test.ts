import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/core/canonical-json.js';

/**
 * The audit chain hashes canonicalJson of each event. On what the store keeps (JSON: well-formed
 * strings, finite numbers) it is RFC 8785's JSON Canonicalization Scheme, byte for byte, checked
 * against an independent implementation of the RFC, so a verifier written elsewhere agrees.
 */
describe('canonical JSON', () => {
  const wellFormed = fc.string({ unit: 'grapheme', maxLength: 12 });
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), wellFormed, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 5 }),
    object: fc.dictionary(wellFormed, tie('value'), { maxKeys: 5 }),
  })).value;

  it('is RFC 8785 on JSON values: keys in UTF-16 order, ECMAScript numbers, minimal string escapes', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it("matches the RFC's own examples", () => {
    // RFC 8785 §3.2.3 orders by UTF-16 code units: "\u20ac" (€) before "\ud83d\ude00" (😀) before "\ufb33".
    expect(canonicalJson({ '\ufb33': 3, '😀': 2, '€': 1, '1': 0, a: [1e21, 0.000001, -0, 1e-7, 333333333.3333333] })).toBe('{"1":0,"a":[1e+21,0.000001,0,1e-7,333333333.3333333],"€":1,"😀":2,"דּ":3}');
    expect(canonicalJson({ b: undefined, a: '\u000f\n"' })).toBe('{"a":"\\u000f\\n\\""}');
  });
});
