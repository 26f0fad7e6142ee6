import * as z from 'zod';

/**
 * Plain JSON: drops undefined fields (which the SDK rejects unless its caller opted out) and turns
 * non-finite numbers into null, exactly as canonicalJson does before hashing, so a stored event
 * still matches its hash.
 */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Decodes an item read back, naming it when it does not have the shape this code wrote. */
export function decodeOrThrow<T>(schema: z.ZodType<T>, item: unknown, what: string): T {
  const result = schema.safeParse(item);
  if (!result.success) throw new TypeError(`${what} does not have the stored shape: ${z.prettifyError(result.error)}`, { cause: result.error });
  return result.data;
}
