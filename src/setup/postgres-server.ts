// PostgreSQL for the shared incident store's tests: Debian's `postgresql` package, installed once per machine
// when it is missing, and a throwaway server started from it on a free loopback port. Debian's package rather
// than an npm one that ships server binaries: it is the server a Debian host runs in production, kept up to
// date by the distribution's security updates, installed once per machine (not into every clone's
// node_modules) from the same mirror as Chromium, and no dependency of the product itself.
// Resolution order: STOCKOUT_POSTGRES_BIN_DIR → /usr/lib/postgresql/<newest>/bin → `initdb` and `postgres`
// on PATH → `apt-get install postgresql` (as root) → an error saying how to get one.
// initdb and postgres refuse to run as root, which CI is: there they run as the `postgres` user the package
// creates (else `nobody`), in a temporary folder that user owns.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { aptGetAsRoot, aptGetInstall, isExecutable, onPath } from './executables';

const DEBIAN_ROOT = '/usr/lib/postgresql';
const SERVER_BINARIES = ['initdb', 'postgres'];

export interface ResolvedPostgres {
  /** The folder holding initdb and postgres. */
  binDir: string;
  source: 'env' | 'debian' | 'path' | 'installed';
  seconds: number;
}

type Log = (line: string) => void;

const holdsServer = (dir: string) => SERVER_BINARIES.every((name) => isExecutable(join(dir, name)));

/** Debian installs each major version beside the others; the newest wins. */
function debianBinDir(): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(DEBIAN_ROOT).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  return versions
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(DEBIAN_ROOT, version, 'bin'))
    .find(holdsServer);
}

export function providePostgres(log: Log, env: Record<string, string | undefined> = process.env): ResolvedPostgres {
  const started = Date.now();
  const resolved = (binDir: string, source: ResolvedPostgres['source']) => ({ binDir, source, seconds: (Date.now() - started) / 1000 });
  const explicit = env.STOCKOUT_POSTGRES_BIN_DIR;
  if (explicit) {
    if (!holdsServer(explicit)) throw new Error(`STOCKOUT_POSTGRES_BIN_DIR: ${explicit} holds no executable initdb and postgres`);
    return resolved(explicit, 'env');
  }
  const debian = debianBinDir();
  if (debian) return resolved(debian, 'debian');
  const searchPath = env.PATH ?? '';
  const initdb = onPath('initdb', searchPath);
  if (initdb && holdsServer(dirname(initdb))) return resolved(dirname(initdb), 'path');
  const aptGet = aptGetAsRoot(searchPath);
  if (!aptGet) {
    throw new Error(
      "Cannot provide PostgreSQL for the store tests: install Debian's `postgresql` package (apt-get install postgresql) or set STOCKOUT_POSTGRES_BIN_DIR to a folder holding initdb and postgres.",
    );
  }
  log('installing Debian postgresql (once per machine)…');
  aptGetInstall(aptGet, ['postgresql'], env);
  const installed = debianBinDir();
  if (!installed) throw new Error(`apt-get installed postgresql, but ${DEBIAN_ROOT}/<version>/bin holds no initdb and postgres`);
  const result = resolved(installed, 'installed');
  log(`postgresql installed in ${result.seconds.toFixed(1)} s`);
  return result;
}

export interface PostgresServer {
  /** The superuser's URL of the `postgres` database (password included). */
  url: string;
  stop(): Promise<void>;
}

/** Who runs the server: this user, or under root an ordinary one, as initdb and postgres demand. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user here
    }
  }
  throw new Error('PostgreSQL refuses to run as root, and this machine has neither a `postgres` nor a `nobody` user to run it as');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A new cluster in a temporary folder, served on a free loopback port only (no Unix socket), with a random
 * superuser password; durability is off, as a throwaway server needs none. `stop()` ends it and deletes the folder.
 */
export async function startPostgresServer(binDir: string): Promise<PostgresServer> {
  const user = serverUser();
  const root = mkdtempSync(join(tmpdir(), 'stockout-postgres-'));
  const asUser = { cwd: root, ...(user ?? {}) };
  try {
    if (user) chownSync(root, user.uid, user.gid);
    const password = randomBytes(18).toString('base64url');
    const passwordFile = join(root, 'password');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    if (user) chownSync(passwordFile, user.uid, user.gid);
    const data = join(root, 'data');
    execFileSync(
      join(binDir, 'initdb'),
      ['-D', data, '-U', 'stockout', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { ...asUser, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const port = await freePort();
    const server = spawn(
      join(binDir, 'postgres'),
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      { ...asUser, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let output = '';
    server.stderr.on('data', (chunk) => (output = (output + String(chunk)).slice(-4000)));
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    const url = `postgres://stockout:${password}@127.0.0.1:${port}/postgres`;
    const stop = async () => {
      if (server.exitCode === null && server.signalCode === null) {
        // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing waits for them.
        server.kill('SIGINT');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    };
    try {
      await untilAccepting(url, exited, () => output);
    } catch (error) {
      await stop();
      throw error;
    }
    return { url, stop };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

async function untilAccepting(url: string, exited: Promise<void>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`PostgreSQL exited while starting:\n${output()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 60 s (${(error as Error).message}):\n${output()}`, { cause: error });
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
