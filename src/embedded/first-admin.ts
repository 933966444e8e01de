// The main job's console users when the environment names no users file: a first admin made on the first
// start, its password kept owner-only in the data folder (as the API token is) and only its hash in the
// users file the console reads. Add people to that file (src/auth/hash-password.ts makes their hashes).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { hashPassword } from '../auth/passwords';
import type { UsersFile } from '../auth/users';
import { parseOrThrow } from '../validation/issues';

export const FIRST_ADMIN = 'admin';

const KeptCredentialsSchema = z.object({ name: z.string().min(1), password: z.string().min(12) });

export interface FirstAdmin {
  usersFile: string;
  credentialsFile: string;
  /** Made by this start (else kept from an earlier one). */
  created: boolean;
}

export async function ensureFirstAdmin(dataDir: string): Promise<FirstAdmin> {
  const usersFile = join(dataDir, 'users.json');
  const credentialsFile = join(dataDir, 'console-admin.json');
  if (existsSync(usersFile)) {
    if (existsSync(credentialsFile)) parseOrThrow(KeptCredentialsSchema, JSON.parse(readFileSync(credentialsFile, 'utf8')), credentialsFile);
    return { usersFile, credentialsFile, created: false };
  }
  const password = randomBytes(18).toString('base64url');
  const users: UsersFile = { users: [{ name: FIRST_ADMIN, role: 'admin', passwordHash: await hashPassword(password) }] };
  // `wx`: never overwrite what another start has just written.
  writeFileSync(credentialsFile, `${JSON.stringify({ name: FIRST_ADMIN, password }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  writeFileSync(usersFile, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { usersFile, credentialsFile, created: true };
}
