import { describe, expect, it } from 'vitest';
import { plural } from '../../lib/core/format.js';

describe('plural', () => {
  it.each([
    [0, 'step', undefined, '0 steps'],
    [1, 'step', undefined, '1 step'],
    [2, 'step', undefined, '2 steps'],
    [1, 'rollback', undefined, '1 rollback'],
    [12, 'rollback', undefined, '12 rollbacks'],
    [1, 'release naming a commit', 'releases naming a commit', '1 release naming a commit'],
    [3, 'release naming a commit', 'releases naming a commit', '3 releases naming a commit'],
    [1.5, 'request', undefined, '1.5 requests'],
  ])('%d %s', (count, noun, nounPlural, expected) => {
    expect(plural(count, noun, nounPlural)).toBe(expected);
  });
});
