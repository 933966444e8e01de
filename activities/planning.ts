// Stage 4–5: compute the allocation plan (or a what-if under another policy) and commit the approved one
// as reservations, backorders and credits — customer batch by customer batch, every write keyed.
import { ApplicationFailure } from '@temporalio/common';
import { allocate, AllocationInputError, summarizePlan } from '../src/allocation/engine';
import type { Policy } from '../src/allocation/policy';
import type { AllocationInput, AllocationPlan, LineAllocation } from '../src/allocation/types';
import { creditsFor } from '../src/compensation/credits';
import type { PlanOverride } from '../src/incident/commands';
import { overrideBaseOf, overrideIssues, withChanges } from '../src/incident/overrides';
import type { PlanBasis, StoredPlan } from '../src/incident/planning';
import type { CommitSummary, PlanSummary, SubstituteOption, TransferRecord } from '../src/incident/state';
import type { ReleaseConfirmationsRequest, Reservation, ReservationItem } from '../src/inventory/contract';
import { customersToTell } from '../src/incident/figures';
import { planRevenue } from '../src/report/revenue';
import { describeIssues } from '../src/validation/issues';
import { allocationLines, substituteSupply, transferRecord } from './contract-mapping';
import type { ActivityDeps } from './deps';
import { beat, heartbeating, progress, retriesSoFar, written, type Once, type Retried } from './progress';
import { forEachAtOnce } from '../src/concurrency/at-once';
import { BATCH_WRITE_LIMIT, chunks, keyFor, loadSnapshot, requireDocument, WRITES_IN_FLIGHT, type IncidentSnapshot } from './shared';

const PLAN_EXCEPTIONS_SHOWN = 20;

export function createPlanningActivities({ inventory, crm, store, currency }: ActivityDeps) {
  /**
   * A confirmation the plan takes back: the line's earlier reservation is released and its units moved to the
   * hub, where the plan reserves what the line keeps together with the rest of the pool.
   */
  async function releaseConfirmation(incidentId: string, sku: string, hubId: string, lineId: string): Promise<void> {
    // Kept before the first release: a retry after it must still move the released units to the hub.
    const key = `confirmations/${lineId}`;
    let prior = await store.get<Reservation[]>(incidentId, key);
    if (!prior) {
      prior = (await inventory.listReservations({ lineId, status: 'active' })).filter((r) => r.incidentId === null && r.sku === sku);
      await store.put(incidentId, key, prior);
    }
    if (prior.length === 0) return;
    await inventory.releaseReservations({
      items: prior.map((r) => ({ idempotencyKey: keyFor(incidentId, 'release-confirmation', r.reservationId), reservationId: r.reservationId })),
    });
    for (const r of prior.filter((p) => p.locationId !== hubId)) {
      const transfer = await inventory.createTransfer({
        idempotencyKey: keyFor(incidentId, 'transfer-confirmation', r.reservationId),
        incidentId,
        sku,
        fromLocationId: r.locationId,
        toLocationId: hubId,
        quantity: r.quantity,
      });
      await completeTransfer(incidentId, transfer);
      beat();
    }
  }

  /**
   * The lines' confirmations given back the same way in requests of the contract's batch limit, several at once
   * (none waits on another): 20,000 lines make 40 requests, where releaseConfirmation makes several per line.
   * Each line is released and moved in one keyed write, so a retry cannot find it half done.
   */
  async function releaseConfirmations(incidentId: string, sku: string, hubId: string, lineIds: string[], once: Once): Promise<void> {
    await forEachAtOnce([...chunks(lineIds, BATCH_WRITE_LIMIT).entries()], WRITES_IN_FLIGHT, ([i, part]) =>
      once(`release-confirmations/${i}`, () =>
        inventory.releaseConfirmations({ items: confirmationReleases(incidentId, sku, hubId, part) }),
      ),
    );
  }

  /** Ships (unless it is on its way) and receives one transfer: the one sequence every move to the hub takes. */
  async function completeTransfer(incidentId: string, t: TransferRecord): Promise<TransferRecord> {
    if (t.status === 'cancelled' || t.status === 'received') return t;
    if (t.status === 'created') await inventory.shipTransfer({ idempotencyKey: keyFor(incidentId, 'ship', t.transferId), transferId: t.transferId });
    return transferRecord(await inventory.receiveTransfer({ idempotencyKey: keyFor(incidentId, 'receive', t.transferId), transferId: t.transferId }));
  }

  return {
    /** Runs the allocation engine over the stored snapshot; stores the full plan, returns its summary. */
    async planAllocation(input: {
      incidentId: string;
      sku: string;
      snapshotRef: string;
      pool: number;
      substitutes: SubstituteOption[];
      policy: Policy;
      overrides: PlanOverride[];
      asOf: string;
      revision: number;
      planKey: string;
      /** A preview: the revision whose overrides the given ones are added to (and whose lines they may lower, with a reason). */
      basedOn?: { revision: number; planRef: string };
    }): Promise<PlanSummary> {
      const snapshot = await loadSnapshot(store, input.incidentId);
      beat();
      const base = input.basedOn ? await requireDocument<StoredPlan>(store, input.incidentId, input.basedOn.planRef) : null;
      const overrides = checkedOverrides(input.overrides, snapshot.lines, input.pool, base);
      beat();
      const plan = allocateChecked({
        sku: input.sku,
        pool: input.pool,
        lines: allocationLines(snapshot.lines, snapshot.customers),
        customers: snapshot.customers,
        substitutes: input.substitutes.map(substituteSupply),
        policy: input.policy,
        asOf: input.asOf,
        nextInboundEta: snapshot.nextInboundEta ?? null,
        overrides,
      });
      beat();
      // Kept with the plan, so its lines can be ranked, explained and revised later.
      const basis: PlanBasis = {
        revision: input.revision,
        policy: input.policy,
        asOf: input.asOf,
        nextInboundEta: snapshot.nextInboundEta ?? null,
        overrides,
        basedOn: input.basedOn?.revision ?? null,
      };
      await store.put(input.incidentId, input.planKey, { ...plan, basis } satisfies StoredPlan);
      const summary = summarizePlan(plan);
      // The summary states revenue by the one definition `show` and the report share (src/report/revenue).
      const prices = new Map(snapshot.lines.map((l) => [l.lineId, l.unitPrice]));
      const revenue = planRevenue(plan.lines, (lineId) => prices.get(lineId) ?? 0);
      return {
        revision: input.revision,
        planRef: input.planKey,
        policyName: input.policy.name,
        pool: plan.pool,
        poolUsed: plan.poolUsed,
        poolLeft: plan.poolLeft,
        byStage: summary.byStage.map((s) => ({ ...s, ...revenue.byStage.get(s.stage) })),
        totals: { ...summary.totals, ...revenue.totals },
        currency,
        largestCustomerShare: plan.largestCustomerShare,
        largestCustomerId: plan.largestCustomerId,
        confirmedReleased: plan.confirmedReleased,
        capPercent: input.policy.capPercent,
        // The full list is in the stored plan; history and the query carry the first few and the count.
        exceptions: plan.exceptions.slice(0, PLAN_EXCEPTIONS_SHOWN),
        exceptionCount: plan.exceptions.length,
        customersToTell: customersToTell(plan.lines),
        overrides: overrides.length,
      };
    },

    /**
     * The pooled stock arrives at the hub: ship, then receive, each transfer once. Each transfer that arrived
     * is kept in the heartbeat details, so a retried attempt goes on with the others. No transfer waits on
     * another, so several are under way at once: a slow or resent request holds up only its own.
     */
    async completeTransfers(input: { incidentId: string; transfers: TransferRecord[] }): Promise<{ transfers: TransferRecord[] } & Retried> {
      const arrived = progress<TransferRecord>();
      await forEachAtOnce(input.transfers, WRITES_IN_FLIGHT, async (t) => {
        if (!arrived.has(t.transferId)) arrived.finish(t.transferId, await completeTransfer(input.incidentId, t));
      });
      return { transfers: input.transfers.map((t) => arrived.get(t.transferId)!), ...retriesSoFar() };
    },

    /**
     * The commit's writes per line or customer rather than per batch, done before any batch when batches run in
     * parallel: the confirmations the plan takes back are given back (their units are part of the supply the plan
     * shares, so no batch's reservation may wait on another batch's release) and the credits granted (kept in one
     * document, which parallel batches would overwrite each other's share of).
     */
    async commitReleasesAndCredits(input: {
      incidentId: string;
      planRef: string;
      policy: Policy;
      /** Released through the batch endpoint; absent for an activity scheduled before, whose earlier attempt may have left a line half done. */
      confirmationsInBatches?: boolean;
      /** Customers per commit batch: each batch's part of the plan is stored for it (absent for an activity scheduled before: its batches read the whole plan). */
      batchSize?: number;
    }): Promise<{ credits: number } & Retried> {
      return heartbeating(async () => {
        const plan = await requireDocument<AllocationPlan>(store, input.incidentId, input.planRef);
        const snapshot = await loadSnapshot(store, input.incidentId);
        if (input.batchSize) {
          for (const [batch, part] of commitParts(plan, snapshot, input.batchSize).entries()) {
            await store.put(input.incidentId, commitPartRef(input.planRef, input.batchSize, batch), part);
          }
        }
        const once = written();
        const released = plan.lines.filter((l) => l.releasedConfirmation > 0);
        let credits = 0;
        // The releases are the inventory system's, the credits the CRM's: neither waits on the other.
        const releases = () =>
          input.confirmationsInBatches
            ? releaseConfirmations(input.incidentId, plan.sku, snapshot.hubId, released.map((l) => l.lineId), once)
            : forEachAtOnce(released, WRITES_IN_FLIGHT, (line) =>
                once(`release-confirmation/${line.lineId}`, () => releaseConfirmation(input.incidentId, plan.sku, snapshot.hubId, line.lineId)),
              );
        const grants = async () => {
          credits = await grantCredits(input.incidentId, plan, plan.lines, snapshot, input.policy, once);
        };
        await forEachAtOnce([releases, grants], 2, (work) => work());
        return { credits, ...retriesSoFar() };
      });
    },

    /**
     * Commits the plan for one batch of customers: reservations, substitute reservations, backorders, and, unless
     * `commitReleasesAndCredits` did them (`releasesAndCreditsDone`), the batch's released confirmations (first)
     * and credits. The reservation and backorder requests go out several at once, as none waits on another.
     */
    async commitPlanBatch(input: {
      incidentId: string;
      planRef: string;
      policy: Policy;
      batch: number;
      batchSize: number;
      expectedDate: string | null;
      releasesAndCreditsDone?: boolean;
      /** The plan's units from the pool are rationed over the period (activities/rationing.ts): the commit reserves none of them. */
      rationed?: boolean;
    }): Promise<CommitSummary & Retried> {
      return heartbeating(async () => {
        // A parallel batch reads its own part (every batch reading the whole plan and snapshot made the commit
        // quadratic in the lines); the whole documents only when no part was stored, or for the releases and credits.
        const stored = input.releasesAndCreditsDone
          ? await store.get<CommitPart>(input.incidentId, commitPartRef(input.planRef, input.batchSize, input.batch))
          : null;
        const whole = stored
          ? null
          : { plan: await requireDocument<AllocationPlan>(store, input.incidentId, input.planRef), snapshot: await loadSnapshot(store, input.incidentId) };
        const { sku, hubId, lines, confirmed } = stored ?? commitParts(whole!.plan, whole!.snapshot, input.batchSize)[input.batch] ?? emptyPart(whole!);
        const summary: CommitSummary = { reservedLines: 0, reservedUnits: 0, backorderedLines: 0, backorderedUnits: 0, substituteUnits: 0, credits: 0 };
        const once = written();

        if (!input.releasesAndCreditsDone) {
          for (const line of lines.filter((l) => l.releasedConfirmation > 0)) {
            await once(`release-confirmation/${line.lineId}`, () => releaseConfirmation(input.incidentId, sku, hubId, line.lineId));
          }
        }
        const reservations = lines.flatMap((line) => reservationsFor(input.incidentId, sku, hubId, line, confirmed[line.lineId] ?? 0, input.rationed ?? false));
        const backorders = lines
          .filter((l) => l.backordered > 0)
          .map((l) => ({
            idempotencyKey: keyFor(input.incidentId, 'backorder', l.lineId),
            incidentId: input.incidentId,
            lineId: l.lineId,
            customerId: l.customerId,
            sku,
            quantity: l.backordered,
            ...(input.expectedDate ? { expectedDate: input.expectedDate } : {}),
          }));
        await forEachAtOnce([...chunks(reservations, BATCH_WRITE_LIMIT).entries()], WRITES_IN_FLIGHT, ([i, part]) =>
          once(`reserve/${i}`, () => inventory.createReservations({ items: part })),
        );
        await forEachAtOnce([...chunks(backorders, BATCH_WRITE_LIMIT).entries()], WRITES_IN_FLIGHT, ([i, part]) =>
          once(`backorder/${i}`, () => inventory.createBackorders({ items: part })),
        );
        for (const r of reservations) {
          if (r.sku === sku) {
            summary.reservedLines += 1;
            summary.reservedUnits += r.quantity;
          } else summary.substituteUnits += r.quantity;
        }
        summary.backorderedLines = backorders.length;
        summary.backorderedUnits = backorders.reduce((sum, b) => sum + b.quantity, 0);
        if (!input.releasesAndCreditsDone) summary.credits = await grantCredits(input.incidentId, whole!.plan, lines, whole!.snapshot, input.policy, once);
        return { ...summary, ...retriesSoFar() };
      });
    },
  };

  /** Grants the lines' customers their credits, adding them to the incident's 'credits' document; returns how many. */
  async function grantCredits(incidentId: string, plan: AllocationPlan, lines: LineAllocation[], snapshot: IncidentSnapshot, policy: Policy, once: Once): Promise<number> {
    const price = new Map(snapshot.lines.map((l) => [l.lineId, l.unitPrice]));
    const credits = creditsFor(
      lines.map((l) => ({ customerId: l.customerId, stage: l.stage, backordered: l.backordered, unitPrice: price.get(l.lineId) ?? 0 })),
      policy,
    );
    const granted: Record<string, number> = (await store.get<Record<string, number>>(incidentId, 'credits')) ?? {};
    // Full requests of the CRM's batch limit, a few at once: 3,000 customers make 6 requests, not 3,000.
    await forEachAtOnce([...chunks(credits, BATCH_WRITE_LIMIT).entries()], WRITES_IN_FLIGHT, async ([i, part]) => {
      await once(`credits/${i}`, () =>
        crm.grantCredits({
          items: part.map((credit) => ({
            idempotencyKey: keyFor(incidentId, 'credit', credit.customerId),
            incidentId,
            customerId: credit.customerId,
            amount: credit.amount,
            currency,
            reason: `stockout of ${plan.sku}: backordered units`,
          })),
        }),
      );
      for (const credit of part) granted[credit.customerId] = credit.amount;
    });
    await store.put(incidentId, 'credits', granted);
    return credits.length;
  }
}

/** The customers of a plan in a stable order: commit and notification batches are slices of it. */
export function customersOf(plan: { lines: { customerId: string }[] }): string[] {
  return [...new Set(plan.lines.map((l) => l.customerId))].sort();
}

/** What one commit batch writes from: its customers' lines in the plan's order, the confirmation each line had (when it had one), the SKU and hub. */
interface CommitPart {
  sku: string;
  hubId: string;
  lines: LineAllocation[];
  confirmed: Record<string, number>;
}

/** Where commit batch `batch` of `batchSize` customers keeps its part of the plan at `planRef`. */
const commitPartRef = (planRef: string, batchSize: number, batch: number) => `${planRef}/commit-batches/${batchSize}/${batch}`;

/** The plan cut into commit batches of `batchSize` customers (slices of customersOf), in one pass over its lines. */
function commitParts(plan: AllocationPlan, snapshot: IncidentSnapshot, batchSize: number): CommitPart[] {
  const customers = customersOf(plan);
  const batchOf = new Map(customers.map((c, i) => [c, Math.floor(i / batchSize)]));
  const confirmedOf = new Map(snapshot.lines.map((l) => [l.lineId, l.confirmedQuantity]));
  const parts = Array.from({ length: Math.ceil(customers.length / batchSize) }, () => emptyPart({ plan, snapshot }));
  for (const line of plan.lines) {
    const part = parts[batchOf.get(line.customerId)!]!;
    part.lines.push(line);
    const confirmed = confirmedOf.get(line.lineId) ?? 0;
    if (confirmed > 0) part.confirmed[line.lineId] = confirmed;
  }
  return parts;
}

/** A batch past the plan's last customer: nothing to write. */
const emptyPart = ({ plan, snapshot }: { plan: AllocationPlan; snapshot: IncidentSnapshot }): CommitPart => ({ sku: plan.sku, hubId: snapshot.hubId, lines: [], confirmed: {} });

/**
 * New stock to reserve for a line: what the plan gives beyond a confirmation it keeps untouched (unless that is
 * rationed: each period's release reserves its part), and any substitute.
 */
function reservationsFor(incidentId: string, sku: string, hubId: string, line: LineAllocation, confirmed: number, rationed: boolean) {
  // A released confirmation was given back whole (releaseConfirmation), so the line's whole allocation is reserved anew.
  const kept = line.releasedConfirmation > 0 ? 0 : confirmed;
  const extra = rationed ? 0 : line.allocated - kept;
  const own: ReservationItem[] = extra > 0 ? [{ idempotencyKey: keyFor(incidentId, 'reserve', line.lineId), incidentId, lineId: line.lineId, sku, locationId: hubId, quantity: extra }] : [];
  return [...own, ...substituteReservations(incidentId, hubId, line)];
}

/**
 * The batch endpoint's items that give back the lines' confirmations, each keyed by incident and line: the
 * substitutes' hold gives back those of its lines first (activities/substitutes.ts), and the commit asking again
 * for the same is answered with the same.
 */
export function confirmationReleases(incidentId: string, sku: string, hubId: string, lineIds: readonly string[]): ReleaseConfirmationsRequest['items'] {
  return lineIds.map((lineId) => ({ idempotencyKey: keyFor(incidentId, 'release-confirmations', lineId), incidentId, lineId, sku, hubId }));
}

/**
 * The line's substitute reservations, each keyed by incident, line and substitute: the commit holds them before
 * its batches (activities/substitutes.ts), and a batch asking again for the same is answered with the same.
 */
export function substituteReservations(incidentId: string, hubId: string, line: LineAllocation): ReservationItem[] {
  return line.substitutes
    .filter((sub) => sub.quantity > 0)
    .map((sub) => ({
      idempotencyKey: keyFor(incidentId, 'substitute', line.lineId, sub.sku),
      incidentId,
      lineId: line.lineId,
      sku: sub.sku,
      locationId: hubId,
      quantity: sub.quantity,
      covers: sub.covers,
    }));
}

/** The engine, its refusal of bad input made non-retryable: the same input fails the same way on every attempt. */
export function allocateChecked(input: AllocationInput): AllocationPlan {
  try {
    return allocate(input);
  } catch (error) {
    if (error instanceof AllocationInputError) throw ApplicationFailure.create({ type: 'InvalidAllocationInput', message: error.message, nonRetryable: true, cause: error });
    throw error;
  }
}

/**
 * A planner's overrides checked against this incident before planning (src/incident/overrides.ts), each refusal
 * naming the override: retrying cannot fix one. A preview's are added to those of the revision it changes.
 */
function checkedOverrides(changes: PlanOverride[], lines: IncidentSnapshot['lines'], pool: number, base: StoredPlan | null): PlanOverride[] {
  const issues = overrideIssues(changes, { lines, pool, base: base && overrideBaseOf(base) });
  if (issues.length > 0) throw ApplicationFailure.nonRetryable(describeIssues(issues), 'InvalidOverride');
  return withChanges(base?.basis?.overrides ?? [], changes);
}
