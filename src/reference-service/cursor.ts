// Opaque keyset cursors: the last key of a page, base64url-encoded so callers do not build them.
import { badField } from './writes';

export const encodeCursor = (key: string | number) => Buffer.from(JSON.stringify({ after: key })).toString('base64url');

export function decodeCursor(cursor: string): string;
export function decodeCursor(cursor: string, kind: 'number'): number;
export function decodeCursor(cursor: string, kind: 'string' | 'number' = 'string'): string | number {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after: unknown };
    if (typeof after === kind) return after as string | number;
  } catch {
    // falls through to the refusal below
  }
  throw badField('query.cursor', 'is not a cursor this service issued');
}

/** A page from rows read with `limit + 1`: the extra row only tells that another page follows. */
export function keysetPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => string | number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(map), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
