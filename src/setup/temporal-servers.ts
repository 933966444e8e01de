// Finds or builds the two Temporal servers the project runs locally (the CLI dev server and the Java
// time-skipping test server) without relying on the SDK's runtime download, which fails offline.
// Resolution order per server: explicit env var → binary on PATH → per-machine cache → the SDK's own
// download (only where there is internet) → a build from the package registries (Go module proxy, Maven Central).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEST_SERVER_VERSION = '1.38.0';

/** How a server was found: recorded so the harness and the main job can say what they run. */
export type ServerSource = 'env' | 'path' | 'cache' | 'sdk-download' | 'built';

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

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function requireTool(tool: string, searchPath: string, why: string, howToGet: string): string {
  const path = onPath(tool, searchPath);
  if (!path) throw new Error(`Cannot provide the ${why}: '${tool}' is not installed. ${howToGet}`);
  return path;
}

/** The cached CLI lives under its version, so a new TEMPORAL_CLI_VERSION builds afresh instead of reusing the old one. */
const devServerCacheDir = (dir: string) => join(dir, `temporal-cli-${TEMPORAL_CLI_VERSION}`);

function buildDevServer(dir: string, env: Environment, searchPath: string): string {
  const go = requireTool(
    'go',
    searchPath,
    'Temporal dev server',
    'Install Go (apt-get install golang, or from the Go website), or set TEMPORAL_CLI_PATH to an existing `temporal` binary.',
  );
  const bin = devServerCacheDir(dir);
  mkdirSync(bin, { recursive: true });
  // v1.5.x is the last CLI line whose go.mod has no `replace` directive, so `go install` accepts it.
  execFileSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...env, GOBIN: bin, GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return join(bin, 'temporal');
}

function buildTestServer(dir: string, env: Environment, searchPath: string): string {
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
  const home = join(dir, `test-server-${TEST_SERVER_VERSION}`);
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
  // The SDK starts the executable as `<path> <port> [extraArgs]`, which is exactly TestServer's command line.
  const launcher = join(home, 'temporal-test-server');
  writeFileSync(launcher, `#!/bin/sh\nexec "${java}" -cp "${lib}/*" io.temporal.testserver.TestServer "$@"\n`, { mode: 0o755 });
  return launcher;
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
  build: (dir: string) => string;
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
  return done({ type: 'existing-path', path: recipe.build(dir) }, 'built');
}

export interface TemporalServers {
  devServer: ResolvedServer;
  testServer: ResolvedServer;
}

/** The Temporal CLI dev server alone (what the main job runs); cheap once the cache is filled. */
export function provideDevServer(log: Log = () => {}, processEnv: Environment = process.env): Promise<ResolvedServer> {
  const env = ProvisionEnvSchema.parse(processEnv);
  const recipe: ServerRecipe = {
    name: 'dev-server',
    envPath: env.TEMPORAL_CLI_PATH,
    binaryName: 'temporal',
    cachedPath: (dir) => join(devServerCacheDir(dir), 'temporal'),
    build: (dir) => buildDevServer(dir, processEnv, env.PATH),
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
    cachedPath: (dir) => join(dir, `test-server-${TEST_SERVER_VERSION}`, 'temporal-test-server'),
    build: (dir) => buildTestServer(dir, processEnv, env.PATH),
  };
  return resolveServer(recipe, env, log);
}

/** Resolves both servers; cheap once the cache is filled. */
export async function provideTemporalServers(log: Log = () => {}, processEnv: Environment = process.env): Promise<TemporalServers> {
  return { devServer: await provideDevServer(log, processEnv), testServer: await provideTestServer(log, processEnv) };
}
