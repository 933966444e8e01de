// The console's people and sessions on their own: scrypt hashes that only their password matches, a users
// file refused with the field named, sessions that end when their time is up, CSRF tokens compared exactly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/auth/passwords';
import { may } from '../../src/auth/roles';
import { cookieValue, createSessions, csrfMatches, sessionCookie } from '../../src/auth/sessions';
import { createDirectory, loadUsersFile } from '../../src/auth/users';

const dir = mkdtempSync(join(tmpdir(), 'stockout-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('passwords', () => {
  it('verifies only the password that was hashed, with a salt of its own each time', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await hashPassword('correct horse battery')).not.toBe(hash);
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
  });
});

describe('the users file', () => {
  it('signs in a known name with its password, in any case, and nobody else', async () => {
    const file = join(dir, 'users.json');
    writeFileSync(file, JSON.stringify({ users: [{ name: 'Ann', role: 'approver', passwordHash: await hashPassword('ann-password-1') }] }));
    const directory = createDirectory(loadUsersFile(file));
    expect(await directory.signIn('ann', 'ann-password-1')).toEqual({ name: 'Ann', role: 'approver' });
    expect(await directory.signIn('Ann', 'wrong-password')).toBeNull();
    expect(await directory.signIn('bob', 'ann-password-1')).toBeNull();
  });

  it('is refused with the file and the field named, never echoing a hash', () => {
    const file = join(dir, 'bad-users.json');
    writeFileSync(file, JSON.stringify({ users: [{ name: 'ann', role: 'boss', passwordHash: 'plain-text-password' }] }));
    const error = (() => {
      try {
        loadUsersFile(file);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toContain(`${file}.users.0.role`);
    expect(error).toContain(`${file}.users.0.passwordHash`);
    expect(error).not.toContain('plain-text-password');
    writeFileSync(file, '{ nope');
    expect(() => loadUsersFile(file)).toThrow(/env\.STOCKOUT_USERS_FILE: cannot read/);
    const twice = { name: 'ann', role: 'viewer', passwordHash: `scrypt$32768$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}` };
    writeFileSync(file, JSON.stringify({ users: [twice, { ...twice, name: 'ANN' }] }));
    expect(() => loadUsersFile(file)).toThrow(/users: user names must be unique/);
  });
});

describe('roles', () => {
  it('let each role do what the milder ones may, and no more', () => {
    expect(may('viewer', 'read')).toBe(true);
    expect(may('viewer', 'plan')).toBe(false);
    expect(may('planner', 'plan')).toBe(true);
    expect(may('planner', 'approve')).toBe(false);
    expect(may('approver', 'approve')).toBe(true);
    expect(may('approver', 'cancel')).toBe(true);
    expect(may('admin', 'cancel')).toBe(true);
  });
});

describe('sessions', () => {
  it('end when their time is up, and only their own CSRF token is accepted', () => {
    let now = 1_000_000;
    const sessions = createSessions({ ttlMs: 60_000, now: () => now });
    const { id, session } = sessions.open({ name: 'ann', role: 'approver' });
    expect(sessions.find(id)).toBe(session);
    expect(sessions.find(`${id}x`)).toBeNull();
    expect(csrfMatches(session, session.csrfToken)).toBe(true);
    expect(csrfMatches(session, `${session.csrfToken}x`)).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, '')).toBe(false);
    now += 60_000;
    expect(sessions.find(id)).toBeNull();
    const other = sessions.open({ name: 'ann', role: 'approver' });
    sessions.close(other.id);
    expect(sessions.find(other.id)).toBeNull();
  });

  it('are carried in an HttpOnly, SameSite=Strict cookie, Secure over https', () => {
    expect(sessionCookie('abc', { secure: false, maxAgeSeconds: 60 })).toBe('stockout_session=abc; Path=/console; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie('abc', { secure: true, maxAgeSeconds: 60 })).toContain('; Secure;');
    expect(sessionCookie(null, { secure: false, maxAgeSeconds: 60 })).toContain('Max-Age=0');
    expect(cookieValue('a=1; stockout_session=xyz=; b=2', 'stockout_session')).toBe('xyz=');
    expect(cookieValue(undefined, 'stockout_session')).toBeUndefined();
  });
});
