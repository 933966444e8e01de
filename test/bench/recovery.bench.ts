// Recovery: the scale incident's first notices while its worker process is SIGKILLed five times, each time a
// new one started at once. For each kill: how long the new process took to poll (start-up: the first worker
// bundles the workflows, a restart loads that bundle), how long the incident then stood still before the next email reached the sink (the goal:
// within 15 s of a new worker starting), and the delay the kill added in all. The emails are counted per
// Message-ID: a kill may resend the messages in flight, with the same Message-ID, never another.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicy } from '../../src/allocation/policy';
import { INCIDENT_STORE_FILE } from '../../src/incident-store/store';
import { incidentWorkflowId } from '../../src/incident/state';
import { stockoutIncident } from '../../workflows/incident';
import { stageSeconds } from './incident.bench';
import { largeShortage, startBenchDevServer, startBenchSystems, waitForStage } from '../harness/bench-systems';
import type { WatchedProcess } from '../harness/process';
import { startWorkerProcess } from '../harness/worker-process';

const KILLS = 5;
/** Emails between one (re)start and the next kill: the notices must still be going out at the fifth. */
const EMAILS_BETWEEN_KILLS = 250;

export async function benchRecovery(options: { demandLines?: number; customers?: number } = {}): Promise<Record<string, number | string>> {
  const sku = 'SKU-LARGE-1';
  const dataset = largeShortage(sku, { demandLines: options.demandLines ?? 42_000, customers: options.customers ?? 3_500 });
  const env = await startBenchDevServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-recovery-'));
  const systems = await startBenchSystems(dataset, { clients: { timeoutMs: 60_000 }, storeFile: join(dataDir, INCIDENT_STORE_FILE) });
  const taskQueue = 'bench-recovery';
  const startWorker = () =>
    startWorkerProcess(
      {
        temporalAddress: env.address,
        taskQueue,
        dataDir,
        inventoryUrl: systems.service.inventoryUrl,
        crmUrl: systems.service.crmUrl,
        smtp: systems.sink,
        // The mail server's pace, not a provider's limit, so the notices last long enough only because they are many.
        mailRatePerSecond: 5000,
        env: { SYSTEMS_TIMEOUT_MS: '30000' },
      },
      180_000,
    );
  let worker: WatchedProcess | undefined;
  try {
    const starting = performance.now();
    worker = await startWorker();
    // The first worker of the data folder bundles the workflows (workers/workflow-bundle.ts); the restarts load its bundle.
    const firstUp = (performance.now() - starting) / 1000;
    const trigger = { triggerId: 'bench', sku, network: 'BENCH', source: 'manual' as const, reason: 'recovery bench' };
    const handle = await env.client.workflow.start(stockoutIncident, {
      taskQueue,
      workflowId: incidentWorkflowId('BENCH', sku),
      args: [{ trigger, policy: parsePolicy({ approval: { severityThreshold: 'critical' } }) }],
    });
    const emails = () => systems.sink.messages().length;
    await until(() => emails() > 0);
    const kills: { up: number; still: number; added: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      const from = emails();
      await until(() => emails() >= from + EMAILS_BETWEEN_KILLS);
      worker.child.kill('SIGKILL');
      await worker.exited;
      const killed = performance.now();
      const atKill = emails();
      worker = await startWorker();
      const polling = performance.now();
      await until(() => emails() > atKill);
      const moving = performance.now();
      kills.push({ up: (polling - killed) / 1000, still: (moving - polling) / 1000, added: (moving - killed) / 1000 });
    }
    const state = await waitForStage(handle, 'following-up', { done: (s) => s.deliveries.some((d) => d.kind === 'first-notice') });
    const first = state.deliveries.find((d) => d.kind === 'first-notice')!;
    const all = systems.sink.messages();
    await handle.terminate('bench over');
    return {
      'affected demand lines': state.impact!.affectedLines,
      'affected customers': state.impact!.affectedCustomers,
      'first-notice emails (notices and digests)': first.sent + first.skipped + first.digests,
      'notice stage with the kills (s)': stageSeconds(state.timeline).get('first-notice sent') ?? NaN,
      ...Object.fromEntries(
        kills.map((k, i) => [`kill ${i + 1}: new worker polling / then still / delay added (s)`, `${round(k.up)} / ${round(k.still)} / ${round(k.added)}`]),
      ),
      'first worker polling (bundling) / restarts on average (s)': `${round(firstUp)} / ${round(kills.reduce((sum, k) => sum + k.up, 0) / kills.length)}`,
      'longest stand-still after a new worker polled (s, goal ≤ 15)': round(Math.max(...kills.map((k) => k.still))),
      'emails at the sink / distinct Message-IDs': `${all.length} / ${new Set(all.map((m) => m.messageId)).size}`,
    };
  } finally {
    worker?.child.kill('SIGKILL');
    await systems.close();
    await env.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Polls every 50 ms: the figures are seconds, the polling error a twentieth of one. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 50));
}

const round = (n: number) => Math.round(n * 100) / 100;
