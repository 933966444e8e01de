// Update ids made from what a request says: the same request sent twice (a double click, a retry) is one update,
// which Temporal answers once.
import { createHash } from 'node:crypto';

export function updateIdOf(kind: string, request: unknown): string {
  return `${kind}:${createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 32)}`;
}
