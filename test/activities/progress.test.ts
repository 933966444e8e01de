// Progress survives an activity retry: what an attempt finished is in its heartbeat details, and the next
// attempt (handed those details, as Temporal hands `info.heartbeatDetails`) starts after it, with the same keys.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransferRecord } from '../../src/incident/state';
import { activityWorld, INCIDENT, type ActivityWorld } from './fixture';

let world: ActivityWorld | undefined;
afterEach(async () => {
  await world?.close();
});

/** Runs an activity as attempt `attempt`, handed `details`; returns its outcome and the last details it heartbeat. */
async function attempt<T>(run: () => Promise<T>, attemptNo: number, details: unknown) {
  const env = new MockActivityEnvironment({ attempt: attemptNo, heartbeatDetails: details }, { logger: new DefaultLogger('ERROR') });
  let last: unknown = details;
  env.on('heartbeat', (d: unknown) => (last = d));
  const outcome: { value?: T; error?: Error } = await (env.run(run) as Promise<T>).then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error as Error }),
  );
  return { ...outcome, details: last };
}

describe('completeTransfers', () => {
  it('goes on after the transfers an earlier attempt completed, and says it needed a retry', async () => {
    const writes: string[] = [];
    let failReceive: string | null = null;
    world = await activityWorld({
      inventory: (real) => ({
        ...real,
        async shipTransfer(request) {
          writes.push(`ship ${request.transferId}`);
          return real.shipTransfer(request);
        },
        async receiveTransfer(request) {
          if (request.transferId === failReceive) throw new Error('connection reset');
          writes.push(`receive ${request.transferId}`);
          return real.receiveTransfer(request);
        },
      }),
    });
    const w = world;
    const created: TransferRecord[] = [];
    for (const key of ['a', 'b', 'c']) {
      created.push(await w.inventory.createTransfer({ idempotencyKey: `${INCIDENT}|t|${key}`, incidentId: INCIDENT, sku: 'A', fromLocationId: 'N-S1', toLocationId: 'N-HUB', quantity: 5 }));
    }
    const [first, second, third] = created.map((t) => t.transferId);
    const input = { incidentId: INCIDENT, transfers: created.map(({ transferId, fromLocationId, toLocationId, quantity, status }) => ({ transferId, fromLocationId, toLocationId, quantity, status })) };

    failReceive = second!;
    const one = await attempt(() => w.activities.completeTransfers(input), 1, undefined);
    expect(one.error?.message).toBe('connection reset');
    // The transfers are under way together: the other two arrive while the second's receipt fails.
    expect([...writes].sort()).toEqual([`receive ${first}`, `receive ${third}`, `ship ${first}`, `ship ${second}`, `ship ${third}`]);
    for (const id of [first, third]) expect(writes.indexOf(`ship ${id}`)).toBeLessThan(writes.indexOf(`receive ${id}`));

    failReceive = null;
    writes.length = 0;
    const two = await attempt(() => w.activities.completeTransfers(input), 2, one.details);
    // The first and third transfers are not written again; the second, shipped already, is shipped again under
    // its key (its receipt had not finished), which the inventory system answers as before.
    expect(writes).toEqual([`ship ${second}`, `receive ${second}`]);
    expect(two.value?.transfers.map((t) => t.status)).toEqual(['received', 'received', 'received']);
    expect(two.value?.retries).toBe(1);
    expect(await w.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
  });

  it('says nothing of retries when there were none', async () => {
    world = await activityWorld();
    const w = world;
    const result = await attempt(() => w.activities.completeTransfers({ incidentId: INCIDENT, transfers: [] }), 1, undefined);
    expect(result.value).toEqual({ transfers: [] });
  });
});
