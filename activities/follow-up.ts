// Stage 6 and cancellation: restock receipts allocated to open backorders by the same engine, ETA changes,
// customer answers, backorder status, and undoing what an incident did when it is cancelled.
import type { Policy } from '../src/allocation/policy';
import type { AllocationPlan } from '../src/allocation/types';
import type { CustomerAnswer, EtaChange, Restock } from '../src/incident/commands';
import { answerLineIssue } from '../src/incident/follow-up-checks';
import type { BackorderStatus, TransferRecord } from '../src/incident/state';
import type { Backorder, FulfilBackordersRequest } from '../src/inventory/contract';
import { unreservedStock } from '../src/pooling/free-stock';
import type { RestockRound } from '../src/report/incident-report';
import { substituteOffer, type SubstituteRefusal } from '../src/substitutes/offer';
import { allocationLines, backorderLine, inboundEtasOf, profileOf, transferRecord, type SnapshotLine } from './contract-mapping';
import type { ActivityDeps } from './deps';
import { listIncidentBackorders } from './paging';
import { beat, heartbeating, progress, retriesSoFar, written, type Retried } from './progress';
import { allocateChecked } from './planning';
import { BATCH_WRITE_LIMIT, chunks, incidentLines, keyFor, loadCustomers, loadSnapshot, orderRoundRef, requireDocument, type IncidentSnapshot } from './shared';
import { hubPosition, networkLocations, openInbound, substitutesAtHub, unallocatedAtHub } from './stock';

/** A restock round as stored: what the report and the backorder-shipped notices read. */
export interface StoredRound extends RestockRound {
  allocation: AllocationPlan['lines'];
}

/** One receipt's allocation, stored before anything is written so every attempt writes the same. */
interface RestockPlan {
  roundRef: string;
  round: StoredRound;
  items: FulfilBackordersRequest['items'];
}

export function createFollowUpActivities({ inventory, crm, store }: ActivityDeps) {
  /** The confirmations this incident's plan released, reserved again for their lines (once each, keyed by the original). */
  async function restoreConfirmations(incidentId: string, planRef: string): Promise<{ restored: number; unitsShort: number }> {
    const plan = await store.get<AllocationPlan>(incidentId, planRef);
    if (!plan) return { restored: 0, unitsShort: 0 };
    const { hubId } = await loadSnapshot(store, incidentId);
    const hub = await hubPosition(inventory, plan.sku, hubId);
    // The safety stock does not hold back a confirmation that was there before the incident (src/pooling/free-stock.ts).
    let free = hub ? unreservedStock(hub) : 0;
    let restored = 0;
    let unitsShort = 0;
    for (const line of plan.lines.filter((l) => l.releasedConfirmation > 0)) {
      const released = (await inventory.listReservations({ lineId: line.lineId, status: 'released' })).filter((r) => r.incidentId === null && r.sku === plan.sku);
      for (const r of released) {
        const idempotencyKey = keyFor(incidentId, 'restore-confirmation', r.reservationId);
        const quantity = Math.min(r.quantity, free);
        unitsShort += r.quantity - quantity;
        if (quantity === 0) continue;
        await inventory.createReservations({ items: [{ idempotencyKey, incidentId: null, lineId: line.lineId, sku: plan.sku, locationId: hubId, quantity }] });
        free -= quantity;
        restored += 1;
      }
      beat();
    }
    return { restored, unitsShort };
  }

  /**
   * The receipt shared among the incident's open backorders, counting what each customer got so far; in rounds
   * that share free hub stock, with what is free at the hub beside it (units lowered or cancelled lines gave back).
   */
  async function planRestock(input: RestockInput, receiptId: string, locationId: string, snapshot: IncidentSnapshot): Promise<RestockPlan> {
    const { hubId } = snapshot;
    // The receipt is booked and not yet applied, so what is free at the hub beside it excludes it.
    const freeBeside = input.freeAtHub ? await unallocatedAtHub(inventory, store, { incidentId: input.incidentId, sku: input.sku, hubId, ...input.freeAtHub }) : 0;
    const open = await openBackorderLines(inventory, store, input.incidentId, beat, snapshot);
    const customerIds = [...new Set(open.map((b) => b.backorder.customerId))].sort();
    // Fresh CRM records: a customer that said it can wait is deferred by the rationing rule.
    const customers = (await loadCustomers(crm, customerIds, beat)).map((c) => profileOf(c, input.sku));
    const plan = allocateChecked({
      sku: input.sku,
      pool: input.restock.quantity + freeBeside,
      lines: allocationLines(
        open.map((b) => b.line),
        customers,
      ),
      customers,
      substitutes: [],
      policy: input.policy,
      asOf: input.asOf,
      alreadyReceived: await receivedSoFar(store, input.incidentId, input.planRef, { restockRound: input.round }),
    });
    beat();
    const backorderOf = new Map(open.map((b) => [b.backorder.lineId, b.backorder.backorderId]));
    const fulfilled = plan.lines.filter((l) => l.allocated > 0);
    let receiptLeft = input.restock.quantity;
    return {
      roundRef: `rounds/${input.round}`,
      round: {
        receiptId,
        at: new Date().toISOString(),
        fulfilled: fulfilled.map((l) => ({ lineId: l.lineId, quantity: l.allocated })),
        allocation: fulfilled,
      },
      // The receipt's units first, in the lines' order, then the hub's free units: one item per line and location.
      items: fulfilled.flatMap((l) => {
        const backorderId = backorderOf.get(l.lineId)!;
        const fromReceipt = Math.min(l.allocated, receiptLeft);
        receiptLeft -= fromReceipt;
        // Keyed by receipt and backorder, never by round: the same receipt can reach a backorder only once.
        const item = (quantity: number, at: string, ...part: string[]) =>
          quantity > 0 ? [{ idempotencyKey: keyFor(input.incidentId, 'fulfil', receiptId, backorderId, ...part), backorderId, quantity, locationId: at }] : [];
        if (locationId === hubId) return item(l.allocated, locationId);
        return [...item(fromReceipt, locationId), ...item(l.allocated - fromReceipt, hubId, 'free-at-hub')];
      }),
    };
  }

  return {
    /**
     * Records the receipt (once) and gives it to open backorders by the allocation rules, exactly once per
     * receipt: the plan is stored before the first write, and a retry, or the same receipt under another
     * round number, replays it with the same keys instead of planning the receipt again.
     */
    async allocateRestock(input: RestockInput): Promise<{ roundRef: string; inventoryReceiptId: string; fulfilledUnits: number; customers: number } & Retried> {
      return heartbeating(async () => {
        const snapshot = await loadSnapshot(store, input.incidentId);
        const locationId = input.restock.locationId ?? snapshot.hubId;
        const receiptId = input.restock.recorded
          ? input.restock.receiptId
          : (
              await inventory.recordReceipt({
                idempotencyKey: keyFor(input.incidentId, 'receipt', input.restock.receiptId),
                sku: input.sku,
                locationId,
                quantity: input.restock.quantity,
                ...(input.restock.poId ? { poId: input.restock.poId } : {}),
              })
            ).receiptId;
        const planKey = `restock-plans/${receiptId}`;
        let planned = await store.get<RestockPlan>(input.incidentId, planKey);
        if (!planned) {
          planned = await planRestock(input, receiptId, locationId, snapshot);
          await store.put(input.incidentId, planKey, planned);
        }
        const once = written();
        for (const [i, part] of chunks(planned.items, BATCH_WRITE_LIMIT).entries()) await once(`fulfil/${i}`, () => inventory.fulfilBackorders({ items: part }));
        await store.put(input.incidentId, planned.roundRef, planned.round);
        const { allocation } = planned.round;
        return {
          roundRef: planned.roundRef,
          inventoryReceiptId: receiptId,
          fulfilledUnits: allocation.reduce((sum, l) => sum + l.allocated, 0),
          customers: new Set(allocation.map((l) => l.customerId)).size,
          ...retriesSoFar(),
        };
      });
    },

    /** ETA per open purchase order of the SKU in the network, as the inventory system has it now. */
    async listInboundEtas(input: { sku: string; network: string }): Promise<Record<string, string>> {
      const { locations } = await networkLocations(inventory, input.network);
      return inboundEtasOf(await openInbound(inventory, input.sku, locations));
    },

    /**
     * Receipts of the SKU recorded since the incident's stock was read (a warehouse may book them directly), at
     * the incident's own network: another network's goods in are not this incident's stock. Without `network`
     * (workflows started before it was passed) every receipt of the SKU is listed.
     */
    async findNewReceipts(input: { sku: string; since: string; network?: string }): Promise<(Restock & { recorded: true })[]> {
      const receipts = await inventory.listReceipts({ sku: input.sku, since: input.since });
      const inNetwork = input.network === undefined ? null : (await networkLocations(inventory, input.network)).locations;
      return receipts
        .filter((r) => inNetwork === null || inNetwork.has(r.locationId))
        .map((r) => ({ receiptId: r.receiptId, quantity: r.quantity, locationId: r.locationId, recorded: true as const }));
    },

    /**
     * Moves the PO's ETA once per ETA revision of the incident: a slip back to an earlier date is a new change,
     * and a retry reports the ETA from before its own write, which is kept before writing.
     */
    async applyEtaChange(input: {
      incidentId: string;
      sku: string;
      change: EtaChange;
      revision?: number;
      /** The inventory system made the change itself (seen by the periodic check): nothing to write. */
      observed?: { previousEta: string | null };
    }): Promise<{ affectedCustomers: number; previousEta: string | null }> {
      const revision = input.revision ?? 0;
      const ref = `eta-changes/${revision}/${input.change.poId}`;
      let previousEta = input.observed ? input.observed.previousEta : (await store.get<{ previousEta: string | null }>(input.incidentId, ref))?.previousEta;
      if (previousEta === undefined) {
        previousEta = (await inventory.listInbound(input.sku)).find((p) => p.poId === input.change.poId)?.eta ?? null;
        await store.put(input.incidentId, ref, { previousEta });
      }
      if (!input.observed) {
        await inventory.updateInboundEta({
          idempotencyKey: keyFor(input.incidentId, 'eta', String(revision), input.change.poId, input.change.eta),
          poId: input.change.poId,
          eta: input.change.eta,
        });
      }
      await store.put(input.incidentId, 'expected-date', input.change.eta);
      const open = (await listIncidentBackorders(inventory, input.incidentId)).filter((b) => b.open > 0);
      return { affectedCustomers: new Set(open.map((b) => b.customerId)).size, previousEta };
    },

    /** Applies a customer's answer to its own line; an answer that does not fit is refused with a reason, not retried. */
    async applyCustomerAnswer(input: { incidentId: string; sku: string; answer: CustomerAnswer }): Promise<string> {
      const { answer } = input;
      const snapshot = await loadSnapshot(store, input.incidentId);
      const lines = await incidentLines(store, input.incidentId, snapshot);
      const issue = answerLineIssue(lines, answer);
      if (issue) return `refused: ${issue.message}`;
      const line = lines.find((l) => l.lineId === answer.lineId)!;
      const open = (await listIncidentBackorders(inventory, input.incidentId)).filter((b) => b.lineId === answer.lineId && b.open > 0);
      const openUnits = open.reduce((sum, b) => sum + b.open, 0);
      switch (answer.answer) {
        case 'can-wait': {
          const onHand = answer.onHand ?? openUnits;
          await crm.reportCustomerStock({
            idempotencyKey: keyFor(input.incidentId, 'answer', answer.answerId),
            customerId: answer.customerId,
            sku: input.sku,
            quantity: onHand,
            dailyUsage: answer.dailyUsage ?? Math.max(1, Math.ceil(onHand / 14)),
          });
          return `deferred: ${answer.customerId} holds stock and waits for later restocks`;
        }
        case 'cancel': {
          if (openUnits === 0) return `nothing to cancel: line ${answer.lineId} has no open backorder`;
          await inventory.cancelBackorders({
            items: open.map((b) => ({ idempotencyKey: keyFor(input.incidentId, 'answer', answer.answerId, b.backorderId), backorderId: b.backorderId })),
          });
          return `cancelled ${openUnits} backordered units of line ${answer.lineId}`;
        }
        case 'accept-substitute': {
          if (openUnits === 0) return `nothing to substitute: line ${answer.lineId} has no open backorder`;
          // The customer's stance as the CRM has it now, as the notices read it; no record takes no substitute.
          const [[customer], substitutes] = await Promise.all([
            crm.getCustomers([answer.customerId]),
            substitutesAtHub(inventory, input.sku, snapshot.hubId),
          ]);
          const offer = substituteOffer(customer ?? { acceptsSubstitutes: false }, line, substitutes, open.map((b) => b.open));
          if (offer.kind === 'refused') return refusedSubstitute(offer.refusal, answer);
          if (offer.kind === 'no-stock') return `no substitute stock free for ${openUnits} units: line ${answer.lineId} stays backordered`;
          // The backorder is fulfilled with the substitute: the line counts those units substituted, not cancelled.
          await inventory.fulfilBackorders({
            items: open.map((b, i) => ({
              idempotencyKey: keyFor(input.incidentId, 'answer', answer.answerId, 'substitute', b.backorderId),
              backorderId: b.backorderId,
              quantity: b.open,
              locationId: snapshot.hubId,
              substitute: { sku: offer.substitute.sku, quantity: offer.quantities[i]! },
            })),
          });
          return `substituted ${openUnits} units of line ${answer.lineId} with ${offer.quantity} × ${offer.substitute.sku}`;
        }
        default:
          // A new answer kind does not compile until it is applied here.
          return answer satisfies never;
      }
    },

    async checkBackorders(input: { incidentId: string }): Promise<BackorderStatus> {
      const all = await listIncidentBackorders(inventory, input.incidentId, beat);
      return {
        openLines: all.filter((b) => b.open > 0).length,
        openUnits: all.reduce((sum, b) => sum + b.open, 0),
        fulfilledUnits: all.reduce((sum, b) => sum + b.fulfilled, 0),
        cancelledUnits: all.reduce((sum, b) => sum + b.cancelled, 0),
      };
    },

    /**
     * Undoes what the incident did, leaving the orders as they were before it: unshipped transfers cancelled,
     * its reservations released, its backorders withdrawn (the units are open demand again, not cancelled by
     * the customer), and the confirmations the plan took back given back to their lines — at the hub, where
     * their units went — as far as the stock still there allows.
     */
    async compensateCancellation(input: { incidentId: string; transfers: TransferRecord[]; planRef?: string }) {
      const transfers: TransferRecord[] = [];
      let transfersCancelled = 0;
      const cancelled = progress<TransferRecord>();
      for (const t of input.transfers) {
        if (t.status !== 'created') {
          transfers.push(t);
          continue;
        }
        let record = cancelled.get(t.transferId);
        if (!record) {
          record = transferRecord(await inventory.cancelTransfer({ idempotencyKey: keyFor(input.incidentId, 'cancel', t.transferId), transferId: t.transferId }));
          cancelled.finish(t.transferId, record);
        }
        transfers.push(record);
        transfersCancelled += 1;
      }
      const reservations = await inventory.listReservations({ incidentId: input.incidentId });
      const active = reservations.filter((r) => r.status === 'active');
      for (const part of chunks(active, BATCH_WRITE_LIMIT)) {
        await inventory.releaseReservations({
          items: part.map((r) => ({ idempotencyKey: keyFor(input.incidentId, 'release', r.reservationId), reservationId: r.reservationId })),
        });
        beat();
      }
      const open = (await listIncidentBackorders(inventory, input.incidentId, beat)).filter((b) => b.open > 0);
      for (const part of chunks(open, BATCH_WRITE_LIMIT)) {
        await inventory.cancelBackorders({
          items: part.map((b) => ({ idempotencyKey: keyFor(input.incidentId, 'withdraw', b.backorderId), backorderId: b.backorderId, withdraw: true })),
        });
      }
      const confirmations = input.planRef ? await restoreConfirmations(input.incidentId, input.planRef) : { restored: 0, unitsShort: 0 };
      return {
        transfers,
        transfersCancelled,
        reservationsReleased: active.length,
        backordersCancelled: open.length,
        confirmationsRestored: confirmations.restored,
        confirmationUnitsShort: confirmations.unitsShort,
      };
    },
  };
}

export interface RestockInput {
  incidentId: string;
  sku: string;
  restock: Restock & { recorded?: boolean };
  round: number;
  policy: Policy;
  asOf: string;
  planRef: string;
  /** Free hub stock is shared beside the receipt (incidents past the freed-units patch): what it is read against. */
  freeAtHub?: { since: string; receiptsApplied: string[] };
}

/**
 * The incident's open backorders with the line each stands for as the engine takes it. Lines placed or raised
 * during the incident wait on backorders too: a round shares what it has among all of them by priority.
 */
export async function openBackorderLines(
  inventory: ActivityDeps['inventory'],
  store: ActivityDeps['store'],
  incidentId: string,
  onPage?: () => void,
  /** The incident's snapshot when the caller has read it already: a large one is not read again. */
  snapshot?: IncidentSnapshot,
): Promise<{ backorder: Backorder; line: SnapshotLine }[]> {
  const open = (await listIncidentBackorders(inventory, incidentId, onPage)).filter((b) => b.open > 0);
  const source = new Map((await incidentLines(store, incidentId, snapshot)).map((l) => [l.lineId, l]));
  return open.flatMap((backorder) => {
    const line = source.get(backorder.lineId);
    return line ? [{ backorder, line: backorderLine(line, backorder) }] : [];
  });
}

/**
 * Units each customer has received in the incident so far: the plan, every restock round and every order round
 * before the one being planned (`before`; rounds of the other kind all count: they ran before it).
 */
export async function receivedSoFar(
  store: ActivityDeps['store'],
  incidentId: string,
  planRef: string,
  before: { restockRound?: number; orderRound?: number },
): Promise<Record<string, number>> {
  const received: Record<string, number> = {};
  const add = (customerId: string, units: number) => {
    received[customerId] = (received[customerId] ?? 0) + units;
  };
  const plan = await requireDocument<AllocationPlan>(store, incidentId, planRef);
  for (const line of plan.lines) add(line.customerId, line.allocated + line.substituted);
  const rounds = [
    { refOf: (n: number) => `rounds/${n}`, until: before.restockRound ?? Infinity },
    { refOf: orderRoundRef, until: before.orderRound ?? Infinity },
  ];
  for (const { refOf, until } of rounds) {
    for (let earlier = 1; earlier < until; earlier++) {
      const stored = await store.get<{ allocation: AllocationPlan['lines']; shipped?: AllocationPlan['lines'] }>(incidentId, refOf(earlier));
      if (!stored) break;
      // An order round's backorders shipped from free hub stock are received too.
      for (const line of [...stored.allocation, ...(stored.shipped ?? [])]) add(line.customerId, line.allocated);
    }
  }
  return received;
}

/** The answer to an acceptance the substitute rule refuses (src/substitutes/offer.ts). */
function refusedSubstitute(refusal: SubstituteRefusal, answer: { customerId: string; lineId: string }): string {
  return refusal === 'line-forbids'
    ? `refused: line ${answer.lineId} does not allow substitutes`
    : `refused: ${answer.customerId} does not accept substitutes`;
}
