// The main job as its users run it: a real process (`node --import tsx src/main.ts --serve`, what
// `npm start -- --serve` runs) on its own ports and data folder, stopped the way a terminal's Ctrl-C stops
// it — SIGINT to its whole process group. It exits 0 and frees its ports; the next start with the same data
// folder continues the same incident, and the answer links in emails sent before the restart still work. A
// port already taken and a Ctrl-C during start-up are handled too. A newcomer's second try: the demo run to
// its end, a second start that says what the first left and suggests `--fresh`, and a staged crisis.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_NETWORK, DEMO_SKU, isAcceptSubstitute } from '../../src/embedded/demo';
import type { IncidentState } from '../../src/incident/state';
import { mainJobPorts, spawnWatched, type WatchedProcess } from '../harness/process';

const root = new URL('../../', import.meta.url).pathname;
// What `npm start` runs, without npm (which dies of the terminal's SIGINT too and reports that, not our exit
// code). Not the tsx CLI: its Ctrl-C relay SIGKILLs a child whose event loop is busy for 60 ms.
const command = [process.execPath, '--import', 'tsx', 'src/main.ts'] as const;
const work = mkdtempSync(join(tmpdir(), 'stockout-main-job-'));
const dataDir = join(work, 'data');
const secretsPath = join(dataDir, 'secrets.json');
const running = new Set<MainJob>();

afterAll(async () => {
  // Only after a failure is anything left: the job's process group, then a dev server on our data folder.
  for (const job of running) job.kill('SIGKILL');
  for (const pid of devServerPids(work)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Processes whose command line names a folder under `dir`: the dev server is started with its database file there. */
function devServerPids(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('start-dev') && cmdline.includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

const { apiUrl, ports, env: portSettings } = await mainJobPorts();
const temporalPort = Number(portSettings.STOCKOUT_DEV_SERVER_PORT);

interface MainJob extends WatchedProcess {
  kill(signal: NodeJS.Signals): void;
}

function startMainJob(dir: string, args: string[] = ['--serve']): MainJob {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The job must make and keep its own secrets.
    if (value !== undefined && key !== 'API_TOKEN' && key !== 'ANSWER_LINK_SECRET') env[key] = value;
  }
  Object.assign(env, { STOCKOUT_DATA_DIR: dir, ...portSettings });
  // Its own process group, like a terminal's foreground job: a signal to the group reaches all it runs.
  const started = spawnWatched(command[0], [...command.slice(1), ...args], { cwd: root, env, detached: true });
  const { child, exited } = started;
  const job: MainJob = {
    ...started,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, signal);
    },
  };
  running.add(job);
  void exited.then(() => running.delete(job));
  return job;
}

/** A terminal's Ctrl-C: SIGINT to the whole foreground process group. The job must exit 0 in bounded time. */
async function ctrlC(job: MainJob): Promise<void> {
  job.kill('SIGINT');
  const outcome = await Promise.race([job.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
  expect(outcome, job.output()).toEqual({ code: 0, signal: null });
  for (const port of ports) expect(await portFree(port), `port ${port} free`).toBe(true);
  expect(devServerPids(work)).toEqual([]);
}

/** The secrets a job made and kept in its data folder (the restart test's by default). */
function secrets(folder = dataDir): { apiToken: string; answerLinkSecret: string } {
  return JSON.parse(readFileSync(join(folder, 'secrets.json'), 'utf8')) as { apiToken: string; answerLinkSecret: string };
}

async function api(method: string, path: string, body?: unknown, folder = dataDir) {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${secrets(folder).apiToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const incidentPath = (id: string) => `/incidents/${encodeURIComponent(id)}`;

async function waitForIncident(id: string, what: string, done: (state: IncidentState) => boolean, folder = dataDir): Promise<IncidentState> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const state = (await api('GET', incidentPath(id), undefined, folder)) as unknown as IncidentState;
    if (done(state)) return state;
    if (state.stage === 'needs-attention') throw new Error(`incident needs attention: ${state.attention?.reason}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stage ${state.stage}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Tokens of the customer answer links in the emails the SMTP sink kept (the restart test's by default). */
function answerTokens(folder = dataDir): string[] {
  const mail = join(folder, 'mail');
  return readdirSync(mail)
    .filter((file) => file.endsWith('.eml'))
    .flatMap((file) => [...readFileSync(join(mail, file), 'utf8').replace(/=\r?\n/g, '').matchAll(/\/answers\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)])
    .map((match) => match[1]!);
}

describe('the main job as a process', () => {
  it('refuses to start when another process holds its Temporal port, naming the port and the setting', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(temporalPort, '127.0.0.1', resolve));
    try {
      const job = startMainJob(join(work, 'port-taken'));
      const outcome = await Promise.race([job.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
      expect(outcome, job.output()).toEqual({ code: 1, signal: null });
      expect(job.output()).toContain(`port ${temporalPort}`);
      expect(job.output()).toContain('STOCKOUT_DEV_SERVER_PORT');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 90_000);

  it('stops cleanly on a Ctrl-C during start-up', async () => {
    const job = startMainJob(join(work, 'start-up'));
    await job.waitFor(/starting the reference inventory and CRM service/, 120_000);
    await ctrlC(job);
    expect(job.output()).toContain('stopped during start-up');
  }, 240_000);

  it('stops the dev server a run killed outright left behind on the same data folder', async () => {
    const dir = join(work, 'killed');
    const killed = startMainJob(dir);
    await killed.waitFor(/serving;/, 120_000);
    killed.kill('SIGKILL');
    await killed.exited;
    const [leftover] = devServerPids(dir);
    expect(leftover, 'the detached dev server outlives a SIGKILL').toBeDefined();
    const next = startMainJob(dir);
    await next.waitFor(/serving;/, 120_000);
    expect(devServerPids(dir)).not.toContain(leftover);
    await ctrlC(next);
  }, 300_000);

  it('continues the same incident after a Ctrl-C and a restart, with the same secrets and working answer links', async () => {
    const first = startMainJob(dataDir);
    await first.waitFor(/serving;/, 120_000);
    // The token stays in a file only its owner reads; the output names the file, never the token.
    expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
    const kept = secrets();
    expect(first.output()).toContain(secretsPath);
    expect(first.output()).not.toContain(kept.apiToken);
    // The dev server has a process group of its own: the Ctrl-C reaches it only through the job, after the drain.
    const [devServer] = devServerPids(dataDir);
    expect(processGroupOf(devServer!)).not.toBe(processGroupOf(first.child.pid!));

    const opened = await api('POST', '/webhooks/inventory/critical-level', {
      sku: DEMO_SKU,
      network: DEMO_NETWORK,
      onHand: 40,
      criticalLevel: 120,
      eventId: 'main-job-test',
    });
    const workflowId = String(opened.workflowId);
    const pending = await waitForIncident(workflowId, 'a plan', (s) => s.stage === 'awaiting-approval');
    await api('POST', `${incidentPath(workflowId)}/decision`, { decision: 'approve', planRevision: pending.plan!.revision, decidedBy: 'main-job-test' });
    const notified = await waitForIncident(workflowId, 'the customer notices', (s) => s.stage === 'following-up' && s.firstNoticeAt !== null);
    const [link] = answerTokens();
    expect(link, 'an answer link in the emails').toBeDefined();
    expect((await fetch(`${apiUrl}/answers/${link}`)).status).toBe(200);
    await ctrlC(first);

    const second = startMainJob(dataDir);
    await second.waitFor(/serving;/, 120_000);
    expect(secrets()).toEqual(kept);
    // The link in an email sent before the restart still opens its page.
    expect((await fetch(`${apiUrl}/answers/${link}`)).status).toBe(200);
    const resumed = (await api('GET', incidentPath(workflowId))) as unknown as IncidentState;
    expect(resumed.incidentId).toBe(notified.incidentId);
    expect(resumed.stage).toBe('following-up');
    // And it advances: the restock of what is still open closes it.
    const open = resumed.backorders?.openUnits ?? 0;
    expect(open).toBeGreaterThan(0);
    await api('POST', `${incidentPath(workflowId)}/restocks`, { receiptId: 'main-job-test-receipt', quantity: open });
    const closed = await waitForIncident(workflowId, 'the close', (s) => s.stage === 'closed');
    expect(closed.incidentId).toBe(notified.incidentId);
    expect(closed.receiptsApplied).toContain('main-job-test-receipt');
    await ctrlC(second);
  }, 480_000);
});

/** The job ends by itself (the demo, or a refusal): its exit, within `ms`. */
async function exitOf(job: MainJob, ms: number) {
  return Promise.race([job.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), ms))]);
}

const emailFiles = (dir: string) => readdirSync(join(dir, 'mail')).filter((file) => file.endsWith('.eml'));

describe('a second try', () => {
  const dir = join(work, 'second-try');

  it('refuses an unknown scenario by its flag before starting anything, naming the scenarios', async () => {
    const job = startMainJob(join(work, 'no-scenario'), ['--scenario', 'meteor-strike']);
    expect(await exitOf(job, 60_000), job.output()).toEqual({ code: 2, signal: null });
    expect(job.output()).toContain('--scenario: "meteor-strike" is not a scenario; one of supplier-delay, demand-spike, false-alarm');
    expect(job.output()).not.toContain('starting the Temporal dev server');
  }, 90_000);

  it('runs the demo to its end; a second npm start says the incident is closed, counts the kept emails, suggests --fresh and opens nothing', async () => {
    const first = startMainJob(dir, []);
    expect(await exitOf(first, 300_000), first.output()).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain(`incident stockout:${DEMO_NETWORK}:${DEMO_SKU} opened`);
    expect(first.output()).toMatch(/incident closed: fill rate/);
    // The substitute stage: backordered customers' emails offer the substitute, and one takes it by its link.
    expect(answerTokens(dir).some(isAcceptSubstitute), 'an accept-substitute link in the emails').toBe(true);
    expect(first.output()).toContain('a customer accepted a substitute through its email link: HTTP 200');
    const kept = emailFiles(dir);
    expect(kept.length).toBeGreaterThan(0);
    expect(first.output()).toContain(`emails: ${kept.length} sent by this run, ${kept.length} kept in`);
    for (const port of ports) expect(await portFree(port), `port ${port} free`).toBe(true);

    const second = startMainJob(dir, []);
    expect(await exitOf(second, 180_000), second.output()).toEqual({ code: 0, signal: null });
    const said = second.output();
    expect(said).toContain(`the demo incident stockout:${DEMO_NETWORK}:${DEMO_SKU} is closed from an earlier run: fill rate`);
    expect(said).toContain(`emails kept from earlier runs: ${kept.length} in`);
    expect(said).toContain('`npm start -- --fresh`');
    expect(said).toContain('`npm start -- --scenario NAME`');
    expect(said).not.toContain('was already running');
    expect(said).not.toContain('under its critical level (webhook)');
    // Nothing was sent again: the folder holds what the first run left.
    expect(emailFiles(dir)).toEqual(kept);
  }, 600_000);

  it('stages a demand spike: an order for what the network holds free makes a well-stocked SKU short, and its incident waits for approval', async () => {
    const job = startMainJob(dir, ['--scenario', 'demand-spike']);
    await job.waitFor(/serving;/, 180_000);
    const said = job.output();
    expect(said).toContain('scenario demand-spike:');
    expect(said).toMatch(/CUST-\d+ orders \d+ units of SKU-0007 \(SO-SPIKE-\d+\)/);
    expect(said).toContain('incident stockout:EU:SKU-0007 opened');
    const state = await waitForIncident('stockout:EU:SKU-0007', 'a plan', (s) => s.stage === 'awaiting-approval', dir);
    expect(state.impact!.shortage).toBeGreaterThan(0);
    // The order is in the inventory system's demand, and the incident's plan has its line.
    const spike = /orders (\d+) units of SKU-0007 \((SO-SPIKE-\d+)\)/.exec(said)!;
    const page = (await (await fetch(`${portSettings.INVENTORY_URL}/demand-lines?sku=SKU-0007&limit=500`)).json()) as { lines: { orderId: string; quantity: number }[] };
    expect(page.lines.filter((l) => l.orderId === spike[2]).map((l) => l.quantity)).toEqual([Number(spike[1])]);
    expect(said).toContain('`npm run stockout -- show stockout:EU:SKU-0007`, then `approve`');
    await ctrlC(job);
  }, 300_000);
});
