// The standalone worker (`npm run worker`) as a child process, configured only through its environment as in a
// deployment: what the kill tests and the recovery bench start, kill and start again.
import { spawnWatched, type WatchedProcess } from './process';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface WorkerProcessSystems {
  temporalAddress: string;
  taskQueue: string;
  /** STOCKOUT_DATA_DIR: where the incident store file it shares with the test or bench lies. */
  dataDir: string;
  inventoryUrl: string;
  crmUrl: string;
  smtp: { host: string; port: number };
  /** SMTP_RATE_PER_SECOND. */
  mailRatePerSecond: number;
  /** Any other settings (src/config/env.ts). */
  env?: Record<string, string>;
}

/** Starts a worker process and resolves once it polls its task queues. */
export async function startWorkerProcess(systems: WorkerProcessSystems, startupMs = 90_000): Promise<WatchedProcess> {
  const worker = spawnWatched(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: systems.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      STOCKOUT_TASK_QUEUE: systems.taskQueue,
      STOCKOUT_DATA_DIR: systems.dataDir,
      STOCKOUT_SCAN_NETWORKS: '',
      INVENTORY_URL: systems.inventoryUrl,
      CRM_URL: systems.crmUrl,
      SMTP_HOST: systems.smtp.host,
      SMTP_PORT: String(systems.smtp.port),
      SMTP_RATE_PER_SECOND: String(systems.mailRatePerSecond),
      ANSWER_LINK_SECRET: 'worker-process-secret-0123456789abcdef',
      ...systems.env,
    },
  });
  try {
    await worker.waitFor(/"msg":"polling"/, startupMs);
  } catch (error) {
    worker.child.kill('SIGKILL');
    throw error;
  }
  return worker;
}
