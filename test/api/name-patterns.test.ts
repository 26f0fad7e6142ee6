import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatches, matchesEveryName } from '../../lib/access.js';
import { FLAG_KEY } from '../../lib/core/plan.js';

const patternChar = fc.constantFrom('a', 'b', '-', '.', '*', '?');
const pattern = fc.array(patternChar, { minLength: 1, maxLength: 6 }).map((chars) => chars.join(''));
const name = fc.stringMatching(FLAG_KEY);

describe('matchesEveryName', () => {
  it.each([
    ['*', true],
    ['**', true],
    ['?*', true],
    ['*?', true],
    ['*?*', true],
    ['?', false],
    ['??', false],
    ['??*', false],
    ['a*', false],
    ['*-flow', false],
  ])('decides %s from the pattern itself: %s', (glob, expected) => {
    expect(matchesEveryName([glob])).toBe(expected);
  });

  it('is never fooled by a pattern that matches the literal string *', () => {
    expect(globMatches(['?'], '*')).toBe(true);
    expect(matchesEveryName(['?'])).toBe(false);
  });

  it('a pattern it calls universal matches any key', () => {
    fc.assert(
      fc.property(pattern, name, (glob, key) => {
        fc.pre(matchesEveryName([glob]));
        expect(globMatches([glob], key)).toBe(true);
      }),
    );
  });

  it('a pattern it does not call universal misses some key: one character long, or one longer than the pattern', () => {
    fc.assert(
      fc.property(pattern, (glob) => {
        fc.pre(!matchesEveryName([glob]));
        const candidates = ['Z', 'Z'.repeat(glob.length + 1)];
        expect(candidates.some((key) => !globMatches([glob], key))).toBe(true);
      }),
    );
  });
});
