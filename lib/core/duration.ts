const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * Parses `30s`, `5m`, `2h`, `1h30m` or `250ms` into milliseconds.
 * Returns undefined for anything else, so callers can name the field at fault.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

/** 330_000 → `5m30s`; the inverse of parseDuration for whole seconds. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1_000) return `${ms}ms`;
  let rest = Math.round(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}

/**
 * A time left, for people: whole seconds, rounded up so that a hold never says `0s left`, and
 * `less than a second` below one. 23 → `less than a second`; 61_200 → `1m2s`.
 */
export function formatRemaining(ms: number): string {
  if (ms < 1_000) return 'less than a second';
  return formatDuration(Math.ceil(ms / 1_000) * 1_000);
}
