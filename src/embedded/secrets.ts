// The main job's secrets when the environment gives none: made on the first start and kept in the data folder,
// readable by the owner only, so the answer links in emails already sent and the operator's bearer token still
// work after a restart. `--fresh` deletes them with the rest of the data.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../validation/issues';

// The same minimum lengths src/config.ts asks of API_TOKEN and ANSWER_LINK_SECRET.
const StoredSecretsSchema = z.object({
  apiToken: z.string().min(16),
  answerLinkSecret: z.string().min(32),
});
export type StoredSecrets = z.infer<typeof StoredSecretsSchema>;

export function secretsFile(dataDir: string): string {
  return join(dataDir, 'secrets.json');
}

/** Reads the kept secrets, or makes and keeps new ones when there are none yet. */
export function loadOrCreateSecrets(dataDir: string): StoredSecrets {
  const file = secretsFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const secrets: StoredSecrets = { apiToken: randomBytes(24).toString('base64url'), answerLinkSecret: randomBytes(32).toString('base64url') };
    // `wx`: never overwrite secrets another start has just written.
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return secrets;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: the secrets would end up in the log.
    throw new Error(`${file} is not valid JSON: fix it, or delete it to make new secrets (answer links already sent stop working)`);
  }
  return parseOrThrow(StoredSecretsSchema, json, file);
}
