// Server-side sessions of the console: a random id in an HttpOnly, SameSite=Strict cookie (Secure over https),
// the person and a CSRF token kept here, and an absolute lifetime after which the session is gone. Kept in
// the API process's memory: a restart signs everyone out, and several API processes need sticky routing.
// Sessions are stored under a hash of their id, so what is kept here cannot be replayed as a cookie.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Person } from './users';

export const SESSION_COOKIE = 'stockout_session';

export interface Session {
  person: Person;
  /** Sent back with every write (form field or header) and compared here. */
  csrfToken: string;
  expiresAt: number;
  /** What the last write did, said once on the next page. */
  flash?: { text: string; error?: boolean } | null;
}

export interface Sessions {
  /** A new session for the person; returns the cookie value. */
  open(person: Person): { id: string; session: Session };
  /** The live session of a cookie value; null when unknown or expired (an expired one is forgotten). */
  find(id: string | undefined): Session | null;
  close(id: string | undefined): void;
}

export function createSessions(options: { ttlMs: number; now?: () => number }): Sessions {
  const now = options.now ?? Date.now;
  const live = new Map<string, Session>();
  const key = (id: string) => createHash('sha256').update(id).digest('base64url');
  const sweep = () => {
    const t = now();
    for (const [k, s] of live) if (s.expiresAt <= t) live.delete(k);
  };
  return {
    open(person) {
      sweep();
      const id = randomBytes(32).toString('base64url');
      const session = { person, csrfToken: randomBytes(32).toString('base64url'), expiresAt: now() + options.ttlMs };
      live.set(key(id), session);
      return { id, session };
    },
    find(id) {
      if (!id) return null;
      const session = live.get(key(id));
      if (!session) return null;
      if (session.expiresAt <= now()) {
        live.delete(key(id));
        return null;
      }
      return session;
    },
    close(id) {
      if (id) live.delete(key(id));
    },
  };
}

/** Whether a write carries its session's CSRF token; constant-time whatever was sent. */
export function csrfMatches(session: Session, sent: unknown): boolean {
  if (typeof sent !== 'string' || sent.length === 0) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(session.csrfToken));
}

/** The Set-Cookie value of a session (or of its removal, with `id` null). */
export function sessionCookie(id: string | null, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${SESSION_COOKIE}=${id ?? ''}`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
    `Max-Age=${id ? options.maxAgeSeconds : 0}`,
  ].join('; ');
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
