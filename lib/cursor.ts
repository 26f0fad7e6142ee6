import type * as z from 'zod';
import { InvalidCursorError } from './errors.js';

/** A list position as base64url JSON: opaque to callers, checked against `schema` when it comes back. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError(cursor, 'it is not base64url');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError(cursor, 'it does not decode', { cause: error });
  }
  const decoded = schema.safeParse(json);
  if (!decoded.success) throw new InvalidCursorError(cursor, 'it is not a position in a list', { cause: decoded.error });
  return decoded.data;
}
