/**
 * The ramp guarantees, proven over 10,000 targeting keys with flagd-core's own evaluation.
 * Percents are drawn on the 0.001% grid the ramps use, so 0.5% and 33.333% come up.
 */
import { FlagdCore } from '@openfeature/flagd-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlagDefinition } from '../../lib/flags/flag-schema.js';
import { applyRamp } from '../../lib/flags/ramp.js';

const KEYS = 10_000;
const FLAG = 'new-checkout';
const evaluators = {
  beta: { ends_with: [{ var: 'email' }, '@beta.example'] },
  internal: { or: [{ ends_with: [{ var: 'email' }, '@corp.example'] }, { starts_with: [{ var: 'email' }, 'staff.'] }] },
};
const flag: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

interface User {
  readonly targetingKey: string;
  readonly email: string;
}

/** Every user is a beta tester. */
const testers: User[] = Array.from({ length: KEYS }, (_, index) => ({ targetingKey: `user-${index}`, email: `u${index}@beta.example` }));

/** A third beta, a third internal, a third neither; every tenth beta tester is staff too (in both). */
const everyone: User[] = Array.from({ length: KEYS }, (_, index) => {
  const domain = ['beta.example', 'corp.example', 'example.com'][index % 3]!;
  return { targetingKey: `member-${index}`, email: `${index % 10 === 0 ? 'staff.' : ''}m${index}@${domain}` };
});

/** What each user is served; the flag's metadata (which records the ramps) is the same for all. */
function evaluate(definition: FlagDefinition, users: readonly User[]) {
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify({ flags: { [FLAG]: definition }, $evaluators: evaluators }));
  return users.map((user) => {
    const { value, variant, reason } = core.resolveBooleanEvaluation(FLAG, false, { ...user });
    return { value, variant, reason };
  });
}

const enabledSet = (definition: FlagDefinition, users: readonly User[]) =>
  new Set(evaluate(definition, users).flatMap((result, index) => (result.value ? [users[index]!.targetingKey] : [])));

const isSubset = (small: ReadonlySet<string>, large: ReadonlySet<string>) => [...small].every((key) => large.has(key));

/** A percent on the 0.001% grid. */
const percent = fc.integer({ min: 0, max: 100_000 }).map((weight) => weight / 1000);

describe(`cohort ramps over ${KEYS.toLocaleString('en')} targeting keys (flagd-core evaluation)`, () => {
  it('raising a percent only adds users; lowering removes the most recently added first', () => {
    fc.assert(
      fc.property(fc.array(percent, { minLength: 2, maxLength: 5 }), (percents) => {
        let definition = flag;
        const steps: { percent: number; enabled: Set<string> }[] = [];
        for (const next of percents) {
          definition = applyRamp(FLAG, definition, { cohort: 'beta', percent: next });
          steps.push({ percent: next, enabled: enabledSet(definition, testers) });
        }
        // Who has the feature depends on the percent alone, and the sets nest: at any lower
        // percent the set is a subset of the set at any higher one, so a ramp up keeps everyone
        // and a ramp down takes back the last users it gave.
        for (const a of steps) {
          for (const b of steps) if (a.percent <= b.percent) expect(isSubset(a.enabled, b.enabled)).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('realizes a share within four standard errors of the percent', () => {
    fc.assert(
      fc.property(fc.oneof(percent, fc.constantFrom(0, 0.5, 1, 99.5, 100)), (target) => {
        const share = enabledSet(applyRamp(FLAG, flag, { cohort: 'beta', percent: target }), testers).size / KEYS;
        const p = target / 100;
        const tolerance = 4 * Math.sqrt((p * (1 - p)) / KEYS);
        expect(Math.abs(share - p)).toBeLessThanOrEqual(tolerance + 1 / KEYS);
      }),
      { numRuns: 30 },
    );
  });

  it('leaves every user of other cohorts, and users in none, untouched by a ramp', () => {
    fc.assert(
      fc.property(percent, percent, percent, fc.boolean(), (first, second, changed, betaFirst) => {
        const [leading, trailing] = betaFirst ? (['beta', 'internal'] as const) : (['internal', 'beta'] as const);
        const setUp = applyRamp(FLAG, applyRamp(FLAG, flag, { cohort: leading, percent: first }), { cohort: trailing, percent: second });
        for (const moved of ['beta', 'internal'] as const) {
          const before = evaluate(setUp, everyone);
          const after = evaluate(applyRamp(FLAG, setUp, { cohort: moved, percent: changed }), everyone);
          everyone.forEach((user, index) => {
            // A user belongs to the first ramped cohort that matches them.
            const inBeta = user.email.endsWith('@beta.example');
            const inInternal = user.email.endsWith('@corp.example') || user.email.startsWith('staff.');
            const governing = leading === 'beta' ? (inBeta ? 'beta' : inInternal ? 'internal' : 'none') : inInternal ? 'internal' : inBeta ? 'beta' : 'none';
            if (governing !== moved) expect(after[index]).toEqual(before[index]);
          });
        }
      }),
      { numRuns: 15 },
    );
  });

  it('gives nobody outside a ramped cohort the feature', () => {
    const definition = applyRamp(FLAG, applyRamp(FLAG, flag, { cohort: 'beta', percent: 100 }), { cohort: 'internal', percent: 100 });
    const results = evaluate(definition, everyone);
    everyone.forEach((user, index) => {
      const outside = user.email.endsWith('@example.com') && !user.email.startsWith('staff.');
      expect(results[index]).toMatchObject(outside ? { value: false, reason: 'DEFAULT' } : { value: true, reason: 'TARGETING_MATCH' });
    });
  });
});
