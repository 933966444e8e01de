// Activities built by the real factory against the reference service over HTTP, the incident store and an
// SMTP sink, run one at a time in a mock activity context (heartbeats need one); tinyDataset's numbers.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import type { InventorySystem } from '../../src/inventory/system';
import type { ReferenceService } from '../../src/reference-service/service';
import type { Dataset } from '../../src/dataset/generate';
import { testActivityDeps } from '../harness/activity-deps';
import { startWithClients, tinyDataset } from '../reference-service/fixture';

export const INCIDENT = 'INC-T';
export const AS_OF = '2026-11-24';
export const POLICY = DEFAULT_POLICY;

export type Activities = ReturnType<typeof createActivities>;

export async function activityWorld(
  options: {
    inventory?: (real: InventorySystem, service: ReferenceService) => InventorySystem;
    dataset?: (dataset: Dataset) => void;
    currency?: string;
  } = {},
) {
  const dataset = tinyDataset();
  options.dataset?.(dataset);
  const { service, inventory, crm } = await startWithClients({ dataset });
  const mailed = await testActivityDeps(
    { inventory: options.inventory ? options.inventory(inventory, service) : inventory, crm },
    { currency: options.currency },
  );
  const { deps, store } = mailed;
  const activities = createActivities(deps);
  return {
    service,
    inventory,
    store,
    crm,
    sink: mailed.sink,
    answerLinks: deps.answerLinks,
    activities,
    /** Runs one activity as Temporal would, with a context for its heartbeats. */
    run<K extends keyof Activities>(name: K, ...args: Parameters<Activities[K]>): ReturnType<Activities[K]> {
      const fn = activities[name] as (...a: Parameters<Activities[K]>) => ReturnType<Activities[K]>;
      // Failures are what several tests expect: the environment logs them only at ERROR.
      return new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(fn, ...args) as ReturnType<Activities[K]>;
    },
    /** Stage 1 for real: the demand snapshot every later activity reads. */
    assess() {
      return this.run('assessImpact', { incidentId: INCIDENT, sku: 'A', network: 'N', asOf: AS_OF, policy: POLICY });
    },
    async close() {
      await mailed.close();
      await service.close();
    },
  };
}

export type ActivityWorld = Awaited<ReturnType<typeof activityWorld>>;
