/** 0.0243 → `2.43%`; three significant digits, so small rates stay readable. */
export function percent(fraction: number): string {
  if (!Number.isFinite(fraction)) return String(fraction);
  const value = fraction * 100;
  if (value === 0) return '0%';
  return `${Number(value.toPrecision(value >= 10 ? 3 : 2))}%`;
}

export function ms(value: number): string {
  return `${Math.round(value)}ms`;
}

/** A statistic for people: two decimals, or ∞. */
export function stat(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '∞';
}

export function weightText(weight: number): string {
  return `${Number(weight.toFixed(4))}%`;
}

const PLURAL_RULES = new Intl.PluralRules('en-US');

/** `plural(1, 'step')` → `1 step`, `plural(3, 'step')` → `3 steps`; irregular nouns pass their plural. */
export function plural(count: number, noun: string, nounPlural = `${noun}s`): string {
  return `${count} ${PLURAL_RULES.select(count) === 'one' ? noun : nounPlural}`;
}

const WHOLE_NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1953.4 → `1,953`. */
export function count(value: number): string {
  return Number.isFinite(value) ? WHOLE_NUMBER.format(value) : '∞';
}
