// The API's processes with payload encryption on, run as their users run them (`node --import tsx …`).
// The standalone API (`npm run api`), as a deployment runs it against the run's shared dev server through
// envconfig (TEMPORAL_ADDRESS): it serves the API, is the codec server the `temporal` CLI decodes through,
// stops cleanly on SIGTERM and refuses to start without its secrets. The main job (`npm start -- --serve`):
// its dev server's Web UI is pointed at the API's codec, which answers that UI's origin.
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataConverterFor, payloadKeysFromEnv } from '../../src/temporal/payload-codec';
import { provideDevServer } from '../../src/setup/temporal-servers';
import { freePorts, mainJobPorts, spawnWatched } from '../harness/process';
import { connectDevServer, uniqueTaskQueue } from '../harness/temporal';

const root = new URL('../../', import.meta.url).pathname;
const TOKEN = 'operator-token-0123456789';
const PAYLOAD_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const work = mkdtempSync(join(tmpdir(), 'stockout-api-process-'));
const running = new Set<ChildProcess>();

const freePort = async () => (await freePorts(1))[0]!;

/** This test run's environment without its secrets and Temporal connection settings (the server paths stay), plus `vars`. */
function envWith(vars: Record<string, string>): Record<string, string> {
  const dropped = (key: string) =>
    (key.startsWith('TEMPORAL_') && !['TEMPORAL_CLI_PATH', 'TEMPORAL_TEST_SERVER_PATH'].includes(key)) || ['API_TOKEN', 'ANSWER_LINK_SECRET', 'STOCKOUT_PAYLOAD_KEYS'].includes(key);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !dropped(key)) env[key] = value;
  return { ...env, ...vars };
}

/** The environment a deployment gives the API; `omit` leaves variables out. */
function apiEnv(port: number, omit: string[] = []): Record<string, string> {
  const env = envWith({
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    API_HOST: '127.0.0.1',
    API_PORT: String(port),
    API_TOKEN: TOKEN,
    ANSWER_LINK_SECRET: 'answer-link-secret-answer-link-secret',
    STOCKOUT_DATA_DIR: work,
    STOCKOUT_PAYLOAD_KEYS: PAYLOAD_KEYS,
  });
  for (const key of omit) delete env[key];
  return env;
}

function startProcess(args: string[], env: Record<string, string>) {
  const started = spawnWatched(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env });
  running.add(started.child);
  void started.exited.then(() => running.delete(started.child));
  return { ...started, exited: started.exited.then(({ code }) => code) };
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await connectDevServer();
});
afterAll(async () => {
  // Only after a failure is anything left: the processes, then a dev server the main job started.
  for (const child of running) child.kill('SIGKILL');
  try {
    process.kill(Number(readFileSync(join(work, 'main-job', 'temporal-dev-server.pid'), 'utf8')), 'SIGKILL');
  } catch {
    // stopped by the main job, or never started
  }
  await env?.teardown();
  rmSync(work, { recursive: true, force: true });
});

describe('the standalone API process', () => {
  it('serves the API against Temporal from envconfig, decodes for the temporal CLI, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const api = startProcess(['src/api/main.ts'], apiEnv(port));
    await api.waitFor(/\[api\] codec server for the Temporal Web UI at \S+\/codec/, 60_000);
    expect(api.output()).toContain(`[api] listening on ${url}`);
    expect(api.output()).toContain(`codec server for the Temporal Web UI at ${url}/codec`);

    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${url}/incidents`)).status).toBe(401);
    // With the token the request reaches Temporal at TEMPORAL_ADDRESS.
    const listed = await fetch(`${url}/incidents`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(listed.status).toBe(200);

    // A workflow whose input the SDK encrypted with the same keys, as workers and clients write it; no worker
    // needs to run it, its start event holds the input.
    const client = new Client({ connection: env.connection, namespace: 'default', dataConverter: dataConverterFor(payloadKeysFromEnv({ STOCKOUT_PAYLOAD_KEYS: PAYLOAD_KEYS })) });
    const workflowId = `codec-probe-${randomUUID()}`;
    const handle = await client.workflow.start('codecProbe', { taskQueue: uniqueTaskQueue('codec-probe'), workflowId, args: [{ customerId: 'CUST-CODEC-7' }] });
    try {
      const { executable } = await provideDevServer();
      if (executable.type !== 'existing-path') throw new Error('needs a local temporal binary');
      const temporalCli = executable.path;
      /** The workflow input as `temporal workflow show` prints it: encoding and data, base64 decoded. */
      const shownInput = async (...extra: string[]) => {
        const args = ['workflow', 'show', '--address', inject('devServerAddress'), '--namespace', 'default', '--workflow-id', workflowId, '--output', 'json', ...extra];
        const { stdout } = await promisify(execFile)(temporalCli, args, { env: { PATH: process.env.PATH ?? '', HOME: work } });
        const history = JSON.parse(stdout) as { events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { metadata: { encoding: string }; data: string }[] } } }[] };
        const [payload] = history.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads;
        return { encoding: Buffer.from(payload!.metadata.encoding, 'base64').toString(), data: Buffer.from(payload!.data, 'base64').toString() };
      };
      const stored = await shownInput();
      expect(stored.encoding).toBe('binary/encrypted');
      expect(stored.data).not.toContain('CUST-CODEC-7');
      // The CLI posts the history's payloads to <endpoint>/decode with X-Namespace and our Authorization header.
      expect(await shownInput('--codec-endpoint', `${url}/codec`, '--codec-auth', `Bearer ${TOKEN}`)).toEqual({
        encoding: 'json/plain',
        data: JSON.stringify({ customerId: 'CUST-CODEC-7' }),
      });
    } finally {
      await handle.terminate('codec probe done');
    }

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.output()).toContain('[api] stopping');
  });

  for (const variable of ['API_TOKEN', 'ANSWER_LINK_SECRET']) {
    it(`refuses to start without ${variable}: exit 2, naming it`, async () => {
      const api = startProcess(['src/api/main.ts'], apiEnv(await freePort(), [variable]));
      expect(await api.exited).toBe(2);
      expect(api.output()).toContain(`env.${variable}`);
      expect(api.output()).not.toContain('listening on');
    });
  }
});

describe('the main job with payload keys', () => {
  it("points its dev server's Web UI at the API's codec, which answers that UI", async () => {
    const { apiUrl, uiOrigin, env: portSettings } = await mainJobPorts();
    const dataDir = join(work, 'main-job');
    const job = startProcess(
      ['src/main.ts', '--serve'],
      envWith({
        STOCKOUT_DATA_DIR: dataDir,
        STOCKOUT_PAYLOAD_KEYS: PAYLOAD_KEYS,
        ...portSettings,
      }),
    );
    await job.waitFor(/everything up/, 120_000);

    // The Web UI reads its codec settings from here.
    const settings = (await (await fetch(`${uiOrigin}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(`${apiUrl}/codec`);
    // Its own UI's origin, though TEMPORAL_UI_ORIGIN keeps its default (port 8233).
    const preflight = await fetch(`${apiUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: uiOrigin, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const { apiToken } = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { apiToken: string };
    const input = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"sku":"SKU-1"}').toString('base64') }] };
    const post = async (path: string, body: unknown) =>
      (await fetch(`${apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    expect(await post('/codec/decode', await post('/codec/encode', input))).toEqual(input);

    job.child.kill('SIGINT');
    expect(await job.exited).toBe(0);
  }, 180_000);
});
