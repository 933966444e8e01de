// How deployments get the console: the standalone API serves it for the users file it is given (and refuses
// a bad one at start, naming the field), and the embedded main job makes a first admin once, kept owner-only.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords';
import { createDirectory, loadUsersFile } from '../../src/auth/users';
import { ensureFirstAdmin } from '../../src/embedded/first-admin';
import { freePorts, spawnWatched } from '../harness/process';

const root = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'stockout-console-setup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the first admin of the main job', () => {
  it('is made once, its password kept owner-only beside a users file holding only its hash', async () => {
    const dir = mkdtempSync(join(work, 'data-'));
    const first = await ensureFirstAdmin(dir);
    expect(first.created).toBe(true);
    const { name, password } = JSON.parse(readFileSync(first.credentialsFile, 'utf8')) as { name: string; password: string };
    expect(statSync(first.credentialsFile).mode & 0o777).toBe(0o600);
    expect(statSync(first.usersFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.usersFile, 'utf8')).not.toContain(password);
    expect(await createDirectory(loadUsersFile(first.usersFile)).signIn(name, password)).toEqual({ name: 'admin', role: 'admin' });
    const again = await ensureFirstAdmin(dir);
    expect(again.created).toBe(false);
    expect(JSON.parse(readFileSync(first.credentialsFile, 'utf8'))).toEqual({ name, password });
  });
});

describe('the standalone API process', () => {
  const start = async (usersFile: string) => {
    const [port] = (await freePorts(1)) as [number];
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TEMPORAL_')) env[k] = v;
    const api = spawnWatched(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: root,
      env: {
        ...env,
        TEMPORAL_ADDRESS: inject('devServerAddress'),
        API_HOST: '127.0.0.1',
        API_PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        API_TOKEN: 'operator-token-0123456789',
        ANSWER_LINK_SECRET: 'answer-link-secret-answer-link-secret',
        STOCKOUT_DATA_DIR: work,
        STOCKOUT_USERS_FILE: usersFile,
      },
    });
    return { api, url: `http://127.0.0.1:${port}` };
  };

  it('serves the console for the users file it is given, and says where', async () => {
    const usersFile = join(work, 'users.json');
    writeFileSync(usersFile, JSON.stringify({ users: [{ name: 'ann', role: 'planner', passwordHash: await hashPassword('ann-plans-things') }] }));
    const { api, url } = await start(usersFile);
    try {
      await api.waitFor(/console for planners at \S+/, 60_000);
      expect(api.output()).toContain(`[api] console for planners at ${url}/console`);
      const signIn = await fetch(`${url}/console/sign-in`);
      expect(signIn.status).toBe(200);
      expect(await signIn.text()).toContain('<label for="password">Password</label>');
      const session = await fetch(`${url}/console/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: 'ann', password: 'ann-plans-things' }),
      });
      expect(session.status).toBe(303);
      const board = await fetch(`${url}/console/board`, { headers: { cookie: session.headers.get('set-cookie')!.split(';')[0]! } });
      expect(board.status).toBe(200);
      expect(await board.text()).toContain('ann · planner');
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
    expect(api.output()).not.toContain('ann-plans-things');
  });

  it('refuses to start with a users file it cannot use: exit 2, naming the field', async () => {
    const usersFile = join(work, 'bad-users.json');
    writeFileSync(usersFile, JSON.stringify({ users: [{ name: 'ann', role: 'owner', passwordHash: 'secret' }] }));
    const { api } = await start(usersFile);
    expect((await api.exited).code).toBe(2);
    expect(api.output()).toContain(`${usersFile}.users.0.role`);
    expect(api.output()).not.toContain('listening on');
  });
});
