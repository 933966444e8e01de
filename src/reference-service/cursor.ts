// Keyset paging: opaque cursors (the last key of a page, base64url-encoded so callers do not build them) and
// the one way every listing reads a page with them.
import { sql, type Db } from './schema';
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

/** A keyset listing: its query selects the rows with `key` above `@after`, ordered by it, at most `@limit`. */
export interface Keyset<R extends object, T, F extends string> {
  key: { [K in keyof R]: R[K] extends string | number ? K : never }[keyof R];
  /** The key below every row, which a first page starts after: '' or 0, so also the type of the key the cursor holds. */
  first: '' | 0;
  map: (row: R) => T;
  /** The page's field that holds the items. */
  items: F;
  query: string;
}

/** A listing's query with how its rows page. */
export const keyset = <R extends object, T, const F extends string>(paging: Omit<Keyset<R, T, F>, 'query'>, query: string): Keyset<R, T, F> => ({ ...paging, query });

/**
 * One page of a keyset listing; `params` are its query's own, beside `@after` and `@limit`. One row more than
 * the page is read: it only tells that another page follows.
 */
export function keysetPage<R extends object, T, F extends string>(
  db: Db,
  listing: Keyset<R, T, F>,
  page: { cursor?: string | undefined; limit: number },
  params: Record<string, unknown> = {},
): Record<F, T[]> & { nextCursor: string | null } {
  const { cursor, limit } = page;
  const after = cursor === undefined ? listing.first : listing.first === 0 ? decodeCursor(cursor, 'number') : decodeCursor(cursor);
  const rows = sql(db, listing.query).all({ ...params, after, limit: limit + 1 }) as R[];
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeCursor(last[listing.key] as string | number) : null;
  return { [listing.items]: shown.map(listing.map), nextCursor } as Record<F, T[]> & { nextCursor: string | null };
}
