// The console's people, as the deployment configures them: a JSON users file (STOCKOUT_USERS_FILE) of names,
// roles and scrypt password hashes, validated at start with errors naming the field. Signing in checks a
// name and password against it; nothing here logs a password or a hash.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, issuesOf } from '../validation/issues';
import { PASSWORD_HASH_PATTERN, UNMATCHABLE_HASH, verifyPassword } from './passwords';
import { RoleSchema, type Role } from './roles';

/** Sign-in names: what the timeline records as who decided, cancelled or restocked. */
export const UserNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must start with a letter or digit and hold only letters, digits, ".", "_", "@" and "-"');

export const UserSchema = z.object({
  name: UserNameSchema,
  role: RoleSchema,
  /** From `npx tsx src/auth/hash-password.ts`; never the password itself. */
  passwordHash: z.string().regex(PASSWORD_HASH_PATTERN, 'must be a scrypt hash made by src/auth/hash-password.ts'),
});
export type User = z.infer<typeof UserSchema>;

export const UsersFileSchema = z
  .object({ users: z.array(UserSchema).min(1).max(1000) })
  .refine((file) => new Set(file.users.map((u) => u.name.toLowerCase())).size === file.users.length, {
    path: ['users'],
    message: 'user names must be unique (ignoring case)',
  });
export type UsersFile = z.infer<typeof UsersFileSchema>;

/** Who is signed in: the name the timeline records and the role that decides what they may do. */
export interface Person {
  name: string;
  role: Role;
}

export interface Directory {
  /** The person when name and password match; null otherwise (which of the two is wrong is not said). */
  signIn(name: string, password: string): Promise<Person | null>;
}

export function createDirectory(file: UsersFile): Directory {
  const byName = new Map(file.users.map((u) => [u.name.toLowerCase(), u]));
  return {
    async signIn(name, password) {
      const user = byName.get(name.trim().toLowerCase());
      // An unknown name costs a hash too, so timing does not tell which names exist.
      const matches = await verifyPassword(password, user?.passwordHash ?? UNMATCHABLE_HASH);
      return user && matches ? { name: user.name, role: user.role } : null;
    },
  };
}

/** Reads and validates the users file; errors name the file and the field, never a hash. */
export function loadUsersFile(path: string): UsersFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new Error(`Invalid configuration: env.STOCKOUT_USERS_FILE: cannot read ${path} (${reason})`, { cause: error });
  }
  const parsed = UsersFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Invalid configuration: ${describeIssues(issuesOf(parsed.error, path))}`);
  return parsed.data;
}
