// The worker that runs incidents and the threshold scan: the workflows bundle plus activities built from the
// systems it is given, and the starter the scan opens incidents with.
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createScanActivities, type IncidentStarter } from '../activities/scan';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createIncidentWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  incidents: IncidentStarter;
  /** Payload encryption, the same as the clients' (src/temporal/payload-codec.ts). */
  dataConverter?: DataConverter;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: {
      ...createActivities(options.deps),
      ...createScanActivities({ inventory: options.deps.inventory, incidents: options.incidents }),
    },
    // Ctrl-C / SIGTERM: stop polling, let running activities finish, then exit; incidents continue on the next start.
    shutdownGraceTime: '30s',
  });
}
