// Where the Temporal servers come from: an explicit path, then PATH, then the per-machine cache (the CLI under
// its version), and only then a build — which, without its tools, says which tool is missing and how to get
// one. Fake executables in a temporary cache and a controlled PATH; nothing is ever built here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { provideDevServer, provideTemporalServers, provideTestServer, TEMPORAL_CLI_VERSION, TEST_SERVER_VERSION } from '../../src/setup/temporal-servers';

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
const cachedTestServer = fakeExecutable('cache', `test-server-${TEST_SERVER_VERSION}`, 'temporal-test-server');
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
    await expect(provideTestServer(() => {}, nothing)).rejects.toThrow(/'java' is not installed\. Install a JRE .*TEMPORAL_TEST_SERVER_PATH/);
    const javaOnly = join(root, 'java-only');
    fakeExecutable('java-only', 'java');
    await expect(provideTestServer(() => {}, { ...nothing, PATH: javaOnly })).rejects.toThrow(/'mvn' is not installed\. Install Maven .*TEMPORAL_TEST_SERVER_PATH/);
  });
});
