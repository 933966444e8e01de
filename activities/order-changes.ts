// Orders placed, changed or cancelled while the incident runs: an order round reads the inventory system's
// change feed after the incident's cursor, plans what of the changed lines nothing is committed to yet by the
// same engine and policy (counting what each customer already received in the incident), and reserves or
// backorders it. A line that asks for less was given back by the inventory system itself (the contract's
// rule), so its freed units are free stock: the round that sees it (and every later one) shares what is free at
// the hub between the lines it plans and the incident's open backorders, by the same engine and priority.
import type { Policy } from '../src/allocation/policy';
import { totalsOfLines } from '../src/allocation/plan';
import type { AllocationPlan } from '../src/allocation/types';
import { planAtCommit } from '../src/incident/orders-at-commit';
import { approvedKeyOf, atCommitKey, type StoredPlan } from '../src/incident/planning';
import type { BackorderItem, DemandLineChange, FulfilBackordersRequest, ReservationItem } from '../src/inventory/contract';
import type { OrderRoundFigures } from '../src/report/incident-report';
import { allocationLines, engineLine, profileOf, uncommittedLine, type SnapshotLine } from './contract-mapping';
import type { ActivityDeps } from './deps';
import { openBackorderLines, receivedSoFar } from './follow-up';
import { beat, retriesSoFar, written, type Retried } from './progress';
import { allocateChecked } from './planning';
import { BATCH_WRITE_LIMIT, chunks, incidentLines, keyFor, loadCustomers, loadSnapshot, ORDER_LINES_KEY, orderRoundRef, requireDocument } from './shared';
import { unallocatedAtHub } from './stock';
import { allotLines, allotmentsLeft, runningPeriod, withRoundCounted, type AllotmentTake, type StoredRations } from '../src/rationing/schedule';
import { RATIONS_KEY, releasedInPeriod } from './rationing';

const CHANGES_PAGE = 1000;

/** An order round as stored before its first write: a retry, or a crash and a new worker, writes the same. */
export interface StoredOrderRound {
  /** The feed's position after the changes the round read. */
  cursor: string;
  at: string;
  /** The changed lines as the incident now knows them. */
  lines: SnapshotLine[];
  placed: number;
  raised: number;
  lowered: number;
  /** The engine's lines for what the round planned: what the new-orders notices and the report read. */
  allocation: AllocationPlan['lines'];
  reservations: ReservationItem[];
  backorders: BackorderItem[];
  /** Open backorders the round shipped from free hub stock (rounds that share it): the backorder-shipped notice reads them. */
  shipped?: AllocationPlan['lines'];
  fulfilments?: FulfilBackordersRequest['items'];
  /** What the round's new lines took from their customers' unused allotments of the running ration period. */
  fromAllotment?: AllotmentTake;
}

/** Where an order round's shipped backorders are kept as the backorder-shipped notice reads a round. */
const shippedRefOf = (round: number) => `${orderRoundRef(round)}/shipped`;

/** What an order round saw and committed, as its result and the report state it. */
export function orderRoundFigures(round: StoredOrderRound): OrderRoundFigures {
  return {
    at: round.at,
    placed: round.placed,
    raised: round.raised,
    lowered: round.lowered,
    reservedUnits: round.reservations.reduce((sum, r) => sum + r.quantity, 0),
    backorderedUnits: round.backorders.reduce((sum, b) => sum + b.quantity, 0),
    ...(round.fulfilments ? { shippedUnits: round.fulfilments.reduce((sum, f) => sum + f.quantity, 0) } : {}),
  };
}

const withoutAt = ({ at: _at, ...figures }: OrderRoundFigures) => figures;

/** The incident's order rounds as stored, in order (round 1 first). */
export async function storedOrderRounds(store: ActivityDeps['store'], incidentId: string): Promise<StoredOrderRound[]> {
  const rounds: StoredOrderRound[] = [];
  for (let round = 1; ; round++) {
    const stored = await store.get<StoredOrderRound>(incidentId, orderRoundRef(round));
    if (!stored) return rounds;
    rounds.push(stored);
  }
}

export interface OrderRoundResult extends Retried {
  /** Null when the feed had nothing new: no round was taken. */
  roundRef: string | null;
  cursor: string;
  placed: number;
  raised: number;
  lowered: number;
  reservedUnits: number;
  backorderedUnits: number;
  /** Customers with lines planned in the round: each gets one notice for all of them. */
  customers: number;
  shippedUnits: number;
  /** The backorders the round shipped, as the backorder-shipped notice reads them; null when it shipped none. */
  shippedRef: string | null;
}

export function createOrderChangeActivities({ inventory, crm, store }: ActivityDeps) {
  /** Every change after the cursor (or since the snapshot), page by page, and the position after the last. */
  async function readChanges(input: { sku: string; network: string; cursor: string | null; since: string }): Promise<{ changes: DemandLineChange[]; cursor: string }> {
    const changes: DemandLineChange[] = [];
    let position = input.cursor;
    for (;;) {
      const page = await inventory.listDemandLineChanges({
        sku: input.sku,
        network: input.network,
        limit: CHANGES_PAGE,
        ...(position ? { cursor: position } : { since: input.since }),
      });
      changes.push(...page.changes);
      position = page.cursor;
      beat();
      if (!page.nextCursor) return { changes, cursor: position };
    }
  }

  async function planRound(input: OrderRoundInput): Promise<{ cursor: string; round: StoredOrderRound | null }> {
    const { changes, cursor } = await readChanges({ ...input, since: input.snapshotAt });
    if (changes.length === 0) return { cursor, round: null };
    const snapshot = await loadSnapshot(store, input.incidentId);
    const known = new Map((await incidentLines(store, input.incidentId, snapshot)).map((l) => [l.lineId, l]));
    // A line changed twice between pages is listed twice; its latest change counts.
    const latest = [...new Map(changes.map((c) => [c.lineId, c])).values()];
    const toPlan = latest.flatMap((c) => uncommittedLine(c) ?? []);
    const planned = new Set(toPlan.map((l) => l.lineId));
    // Open backorders take part in rounds that share free hub stock; a line the round plans again waits on its own.
    const open = input.shareFree
      ? await openBackorderLines(inventory, store, input.incidentId, beat).then((o) => o.filter((b) => !planned.has(b.backorder.lineId)))
      : [];
    const customerIds = [...new Set([...toPlan, ...open.map((b) => b.line)].map((l) => l.customerId))].sort();
    // Fresh CRM records, as a restock round reads them.
    const customers = (await loadCustomers(crm, customerIds, beat)).map((c) => profileOf(c, input.sku));
    const customerOf = new Map([...known.values(), ...latest].map((l) => [l.lineId, l.customerId]));
    const allotted = await fromAllotments(input.incidentId, input.round, toPlan, (lineId) => customerOf.get(lineId));
    // What an allotment serves is the customer's: the engine plans the rest, counting it as received.
    const rest = toPlan.map((l) => ({ ...l, quantity: l.quantity - (allotted?.byLine.get(l.lineId) ?? 0) })).filter((l) => l.quantity > 0);
    const received = await receivedSoFar(store, input.incidentId, input.planRef, { orderRound: input.round });
    for (const [customerId, units] of Object.entries(allotted?.take.byCustomer ?? {})) received[customerId] = (received[customerId] ?? 0) + units;
    const plan =
      rest.length + open.length === 0
        ? null
        : allocateChecked({
            sku: input.sku,
            pool: await unallocatedAtHub(inventory, store, { incidentId: input.incidentId, sku: input.sku, hubId: snapshot.hubId, since: input.snapshotAt, receiptsApplied: input.receiptsApplied }),
            lines: allocationLines([...rest, ...open.map((b) => b.line)], customers),
            customers,
            substitutes: [],
            policy: input.policy,
            asOf: input.asOf,
            nextInboundEta: snapshot.nextInboundEta ?? null,
            alreadyReceived: received,
          });
    beat();
    const expectedDate = (await store.get<string>(input.incidentId, 'expected-date')) ?? snapshot.nextInboundEta ?? null;
    const revisionOf = new Map(latest.map((c) => [c.lineId, c.revision]));
    // Keyed by incident, line and the line's order revision: a retry writes nothing twice, a later change of the line is new.
    const key = (lineId: string, what: string) => keyFor(input.incidentId, 'order', lineId, `r${revisionOf.get(lineId)}`, what);
    const backorderOf = new Map(open.map((b) => [b.backorder.lineId, b.backorder.backorderId]));
    const engineLines = new Map((plan?.lines ?? []).filter((l) => planned.has(l.lineId)).map((l) => [l.lineId, l]));
    const stageOf = new Map(customers.map((c) => [c.customerId, c.stage]));
    // A line as its customer is told it: what its allotment served and what the engine planned of the rest.
    const lines = toPlan.flatMap((l): AllocationPlan['lines'] => {
      const units = allotted?.byLine.get(l.lineId) ?? 0;
      const engine = engineLines.get(l.lineId);
      if (units === 0) return engine ? [engine] : [];
      if (engine) return [{ ...engine, requested: engine.requested + units, allocated: engine.allocated + units }];
      const line = { lineId: l.lineId, customerId: l.customerId, stage: stageOf.get(l.customerId) ?? '', requested: units, allocated: units };
      return [{ ...line, substitutes: [], substituted: 0, backordered: 0, releasedConfirmation: 0, reasons: [] }];
    });
    const shipped = (plan?.lines ?? []).filter((l) => backorderOf.has(l.lineId) && l.allocated > 0);
    const round: StoredOrderRound = {
      cursor,
      at: new Date().toISOString(),
      // A line placed and cancelled before the incident saw it never was the incident's.
      // A line keeps the confirmation it had before the incident: what it holds now is partly the incident's.
      lines: latest
        .filter((c) => known.has(c.lineId) || planned.has(c.lineId))
        .map((c) => ({ ...engineLine(c), confirmedQuantity: known.get(c.lineId)?.confirmedQuantity ?? 0 })),
      placed: latest.filter((c) => planned.has(c.lineId) && !known.has(c.lineId)).length,
      raised: latest.filter((c) => planned.has(c.lineId) && known.has(c.lineId)).length,
      lowered: latest.filter((c) => !planned.has(c.lineId) && c.change !== 'created').length,
      allocation: lines.filter((l) => l.allocated > 0 || l.backordered > 0),
      reservations: [
        ...[...(allotted?.byLine ?? [])].map(([lineId, quantity]) => ({ lineId, quantity, what: 'ration' })),
        ...[...engineLines.values()].filter((l) => l.allocated > 0).map((l) => ({ lineId: l.lineId, quantity: l.allocated, what: 'reserve' })),
      ].map(({ lineId, quantity, what }) => ({ idempotencyKey: key(lineId, what), incidentId: input.incidentId, lineId, sku: input.sku, locationId: snapshot.hubId, quantity })),
      backorders: [...engineLines.values()]
        .filter((l) => l.backordered > 0)
        .map((l) => ({
          idempotencyKey: key(l.lineId, 'backorder'),
          incidentId: input.incidentId,
          lineId: l.lineId,
          customerId: l.customerId,
          sku: input.sku,
          quantity: l.backordered,
          ...(expectedDate ? { expectedDate } : {}),
        })),
      ...(input.shareFree
        ? {
            shipped,
            // Keyed by incident, round and line: the round ships a backorder once, a later round is another shipment.
            fulfilments: shipped.map((l) => ({
              idempotencyKey: keyFor(input.incidentId, 'order-round', String(input.round), l.lineId, 'fulfil'),
              backorderId: backorderOf.get(l.lineId)!,
              quantity: l.allocated,
              locationId: snapshot.hubId,
            })),
          }
        : {}),
      ...(allotted ? { fromAllotment: allotted.take } : {}),
    };
    return { cursor, round };
  }

  /**
   * With a ration period running, each customer's new lines (most urgent first) are served from what is left of
   * its allotment in it; null when nothing is rationed, no period runs or no new line's customer has any left.
   */
  async function fromAllotments(
    incidentId: string,
    round: number,
    toPlan: SnapshotLine[],
    customerOf: (lineId: string) => string | undefined,
  ): Promise<{ take: AllotmentTake; byLine: Map<string, number> } | null> {
    const rations = await store.get<StoredRations>(incidentId, RATIONS_KEY);
    const running = rations && runningPeriod(rations);
    if (!running) return null;
    const released = new Map<string, number>();
    for (const r of await releasedInPeriod(store, incidentId, running.period)) {
      const customerId = customerOf(r.lineId);
      if (customerId) released.set(customerId, (released.get(customerId) ?? 0) + r.quantity);
    }
    const taken = (await storedOrderRounds(store, incidentId)).slice(0, round - 1).flatMap((r) => r.fromAllotment ?? []);
    const left = allotmentsLeft(rations, running.period, (customerId) => released.get(customerId) ?? 0, taken);
    const byLine = new Map<string, number>();
    const byCustomer: Record<string, number> = {};
    for (const [customerId, units] of left) {
      const lines = toPlan
        .filter((l) => l.customerId === customerId)
        .sort((a, b) => a.requestedDate.localeCompare(b.requestedDate) || a.lineId.localeCompare(b.lineId))
        .map((l) => ({ lineId: l.lineId, open: l.quantity }));
      for (const { lineId, quantity } of allotLines(units, lines)) {
        byLine.set(lineId, quantity);
        byCustomer[customerId] = (byCustomer[customerId] ?? 0) + quantity;
      }
    }
    return byLine.size === 0 ? null : { take: { period: running.period, byCustomer }, byLine };
  }

  return {
    /**
     * The approved plan as the orders stand at commit: lines lowered or cancelled since the snapshot are trimmed
     * to what they still order, in a plan document of its own (the approved one stays as approved), so the
     * commit never asks the inventory system for more of a line than it orders. Lines placed or raised since the
     * snapshot are counted, not planned: the first order round after the commit reads them from the snapshot on.
     */
    async takeOrdersAtCommit(input: { incidentId: string; sku: string; network: string; snapshotAt: string; planRef: string }): Promise<OrdersAtCommit> {
      const { changes } = await readChanges({ sku: input.sku, network: input.network, cursor: null, since: input.snapshotAt });
      const approvedRef = approvedKeyOf(input.planRef);
      const plan = await requireDocument<StoredPlan>(store, input.incidentId, approvedRef);
      const latest = new Map(changes.map((c) => [c.lineId, c]));
      const planned = new Map(plan.lines.map((l) => [l.lineId, l]));
      const stillOrdered = new Map([...latest.values()].filter((c) => planned.has(c.lineId)).map((c) => [c.lineId, c.quantity]));
      const atCommit = planAtCommit(plan.lines, stillOrdered);
      const toPlan = [...latest.values()].filter((c) => c.quantity > (planned.get(c.lineId)?.requested ?? 0)).length;
      if (atCommit.trimmedLines === 0) return { planRef: approvedRef, trimmedLines: 0, unitsGivenBack: 0, linesToPlan: toPlan, ...retriesSoFar() };
      const planRef = atCommitKey(approvedRef);
      // Its totals and stages as its lines now stand, at the prices the plan counted.
      const price = new Map((await loadSnapshot(store, input.incidentId)).lines.map((l) => [l.lineId, l.unitPrice]));
      const figures = totalsOfLines(atCommit.lines, (lineId) => price.get(lineId) ?? 0, plan.byStage.map((s) => s.stage));
      await store.put(input.incidentId, planRef, { ...plan, lines: atCommit.lines, ...figures } satisfies StoredPlan);
      return { planRef, figures, trimmedLines: atCommit.trimmedLines, unitsGivenBack: atCommit.unitsGivenBack, linesToPlan: toPlan, ...retriesSoFar() };
    },

    /**
     * One order round, exactly once: planned and stored before anything is written, so a retry (or the same
     * round after a crash) replays the stored round with the same keys instead of reading the feed again.
     */
    async allocateOrderChanges(input: OrderRoundInput): Promise<OrderRoundResult> {
      const ref = orderRoundRef(input.round);
      let round = await store.get<StoredOrderRound>(input.incidentId, ref);
      if (!round) {
        const read = await planRound(input);
        if (!read.round) {
          return { roundRef: null, cursor: read.cursor, placed: 0, raised: 0, lowered: 0, reservedUnits: 0, backorderedUnits: 0, customers: 0, shippedUnits: 0, shippedRef: null, ...retriesSoFar() };
        }
        round = read.round;
        await store.put(input.incidentId, ref, round);
      }
      const once = written();
      for (const [i, part] of chunks(round.reservations, BATCH_WRITE_LIMIT).entries()) await once(`reserve/${i}`, () => inventory.createReservations({ items: part }));
      for (const [i, part] of chunks(round.backorders, BATCH_WRITE_LIMIT).entries()) await once(`backorder/${i}`, () => inventory.createBackorders({ items: part }));
      for (const [i, part] of chunks(round.fulfilments ?? [], BATCH_WRITE_LIMIT).entries()) await once(`fulfil/${i}`, () => inventory.fulfilBackorders({ items: part }));
      // Counted in the period's `used` in the write that marks the round counted: a retry counts it once.
      const take = round.fromAllotment;
      if (take) {
        const rations = await requireDocument<StoredRations>(store, input.incidentId, RATIONS_KEY);
        await store.put(input.incidentId, RATIONS_KEY, withRoundCounted(rations, input.round, take));
      }
      const shipped = round.shipped ?? [];
      if (shipped.length > 0) await store.put(input.incidentId, shippedRefOf(input.round), { allocation: shipped });
      // The incident's record of its lines, with this round's: the same merge again changes nothing.
      const known = (await store.get<Record<string, SnapshotLine>>(input.incidentId, ORDER_LINES_KEY)) ?? {};
      await store.put(input.incidentId, ORDER_LINES_KEY, { ...known, ...Object.fromEntries(round.lines.map((l) => [l.lineId, l])) });
      const { shippedUnits = 0, ...figures } = withoutAt(orderRoundFigures(round));
      return {
        roundRef: ref,
        cursor: round.cursor,
        ...figures,
        customers: new Set(round.allocation.map((l) => l.customerId)).size,
        shippedUnits,
        shippedRef: shipped.length > 0 ? shippedRefOf(input.round) : null,
        ...retriesSoFar(),
      };
    },
  };
}

export interface OrdersAtCommit extends Retried {
  /** The plan to commit: the approved one, or the approved one trimmed to the orders as they stand. */
  planRef: string;
  /** The trimmed plan's totals and stages, as its lines stand; absent when the approved plan is committed. */
  figures?: Pick<AllocationPlan, 'byStage' | 'totals'>;
  trimmedLines: number;
  unitsGivenBack: number;
  /** Lines placed or raised since the snapshot: the first order round after the commit plans them. */
  linesToPlan: number;
}

export interface OrderRoundInput {
  incidentId: string;
  sku: string;
  network: string;
  round: number;
  /** The feed's position after the last round; null before the first, which reads from the snapshot's instant. */
  cursor: string | null;
  snapshotAt: string;
  policy: Policy;
  asOf: string;
  planRef: string;
  /** Receipts the incident allocated (or is told of): a receipt booked but not yet allocated is not the round's to share. */
  receiptsApplied: string[];
  /** Free hub stock is shared with the open backorders too (incidents past the freed-units patch). */
  shareFree?: boolean;
}
