// `npx tsx src/auth/hash-password.ts < password.txt`: prints the scrypt hash of the password read from stdin
// (its first line), for a user's `passwordHash` in the users file. Read from stdin so it stays out of shell history.
import { hashPassword } from './passwords';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
if (password.length < 12) {
  console.error('hash-password: the password (first line of stdin) must be at least 12 characters');
  process.exit(2);
}
console.log(await hashPassword(password));
