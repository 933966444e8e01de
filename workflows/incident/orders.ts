// Orders placed, changed or cancelled while the incident owns its SKU: taken as they stand at the commit, and
// planned in order rounds during the follow-up (activities/order-changes.ts).
import { patched } from '@temporalio/workflow';
import { queueOrderRound } from '../../src/incident/follow-ups';
import { messageRevision } from '../../src/notifications/message-revisions';
import { todayIso } from './clock';
import { notify } from './notify';
import { longActs } from './proxies';
import type { IncidentRun, RoundCounts } from './run';

/**
 * Incidents that commit with today's code commit the plan as the orders stand: a line lowered or cancelled since
 * the snapshot is committed for what it still orders (before, the inventory system refused the commit and parked
 * the incident), and lines placed or raised meanwhile are planned by an order round as soon as the follow-up starts.
 */
const ORDERS_AT_COMMIT = 'orders-at-commit';

export async function takeOrdersAtCommit(run: IncidentRun): Promise<void> {
  if (!patched(ORDERS_AT_COMMIT)) return;
  const { s } = run;
  const taken = run.counted(
    await longActs.takeOrdersAtCommit({ incidentId: s.incidentId, sku: s.sku, network: s.network, snapshotAt: s.impact!.snapshotAt ?? s.openedAt, planRef: s.plan!.planRef }),
  );
  if (taken.planRef !== s.plan!.planRef) s.plan = { ...s.plan!, planRef: taken.planRef, ...taken.figures };
  if (taken.trimmedLines > 0) {
    run.note('orders changed before commit', `${taken.trimmedLines} lines order less than planned: committed for what they still order (${taken.unitsGivenBack} units fewer)`);
  }
  if (taken.linesToPlan > 0) queueOrderRound(run.pending, `${taken.linesToPlan} lines placed or raised before the commit`);
}

/**
 * Incidents whose order and restock rounds run with today's code share what is free at the hub (units a lowered or
 * cancelled line gave back among them) with the open backorders, by the same engine and priority: an order round
 * beside the lines it plans, a restock round beside the receipt. Before, the freed units waited for a new line and
 * old backorders never got them.
 */
export const FREED_UNITS_SHARED = 'freed-units-shared';

/**
 * One order round: the lines placed or raised since the last look are reserved or backordered by the same
 * engine, and their customers told once, all their new lines in one email; lowered lines gave their units back
 * in the inventory system, which this round shares with the open backorders too (their customers hear they
 * shipped). A feed with nothing new takes no round number; a round's number goes to `counts`, which the follow-up
 * writes to the state with the backorders it leaves.
 */
export async function orderRound(run: IncidentRun, command: string, counts: RoundCounts): Promise<void> {
  const { s, policy } = run;
  const round = (s.orderRounds ?? 0) + 1;
  const shareFree = patched(FREED_UNITS_SHARED);
  const result = await run.stage(
    'following-up',
    async () =>
      run.counted(
        await longActs.allocateOrderChanges({
          incidentId: s.incidentId,
          sku: s.sku,
          network: s.network,
          round,
          cursor: s.orderCursor ?? null,
          snapshotAt: s.impact!.snapshotAt ?? s.openedAt,
          policy,
          asOf: todayIso(),
          planRef: s.plan!.planRef,
          receiptsApplied: s.receiptsApplied,
          ...(shareFree ? { shareFree } : {}),
        }),
      ),
    command,
  );
  s.orderCursor = result.cursor;
  if (!result.roundRef) return;
  counts.orderRounds = round;
  run.note(
    'order changes planned',
    `${result.placed} lines placed, ${result.raised} raised, ${result.lowered} lowered or cancelled: ${result.reservedUnits} units reserved, ${result.backorderedUnits} backordered` +
      (shareFree ? `, ${result.shippedUnits} backordered units shipped from free stock` : ''),
  );
  if (result.customers > 0) await run.stage('following-up', () => notify(run, 'new-orders', messageRevision('order-rounds', 'new-orders', round), { roundRef: result.roundRef! }));
  if (result.shippedRef) {
    const roundRef = result.shippedRef;
    await run.stage('following-up', () => notify(run, 'backorder-shipped', messageRevision('order-rounds', 'backorder-shipped', round), { roundRef }));
  }
}

