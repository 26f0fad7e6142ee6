/**
 * JSON with object keys sorted, so two documents that mean the same compare equal whatever order
 * their keys arrived in (DynamoDB maps, hand-written files, API bodies). On JSON values (finite
 * numbers, well-formed strings) this is RFC 8785's canonical form, which the audit chain hashes:
 * test/core/canonical-json.test.ts holds it to an independent implementation.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
