// The commit's hold on the plan's substitutes. The plan counted each substitute's free units when it was
// proposed; another incident sharing the substitute (or any other order) may have taken them since. At the commit
// the substitutes are fitted to the stock as it stands (src/substitutes/at-commit.ts) and reserved for the
// incident at once, before the commit's batches, which then find them reserved under the same keys.
import { ApplicationFailure } from '@temporalio/common';
import { totalsOfLines } from '../src/allocation/plan';
import type { AllocationPlan } from '../src/allocation/types';
import { atCommitKey, type StoredPlan } from '../src/incident/planning';
import { REJECTED } from '../src/http/errors';
import type { Reservation } from '../src/inventory/contract';
import { planView, type PlanRanking } from '../src/plan-view/lines';
import { heldKey, substitutesAtCommit, type SubstituteTaken } from '../src/substitutes/at-commit';
import type { ActivityDeps } from './deps';
import { confirmationReleases, substituteReservations } from './planning';
import { beat, retriesSoFar, type Retried } from './progress';
import { BATCH_WRITE_LIMIT, chunks, loadSnapshot, requireDocument } from './shared';
import { substitutesAtHub } from './stock';

export interface SubstitutesHeld extends Retried {
  /** The plan to commit: the one given, or the plan as committed with the substitutes that no longer fit trimmed. */
  planRef: string;
  /** The trimmed plan's totals and stages, as its lines stand; absent when the plan given is committed. */
  figures?: Pick<AllocationPlan, 'byStage' | 'totals'>;
  trimmedLines: number;
  unitsBackordered: number;
  /** Must-win lines the trimmed substitutes leave short, for a person (absent: none). */
  exceptions?: string[];
  /** Per substitute SKU the plan uses: planned, available at commit and taken. */
  substitutes: SubstituteTaken[];
}

export function createSubstituteActivities({ inventory, store }: ActivityDeps) {
  /** The plan's substitutes fitted to the stock now, and the reservations that hold them. */
  async function fitNow(incidentId: string, plan: StoredPlan, ranking: PlanRanking) {
    const snapshot = await loadSnapshot(store, incidentId);
    // What this incident holds already (an earlier attempt of the commit) is the incident's to take again.
    const held = new Map<string, number>();
    const heldOf = new Map<string, number>();
    const ownHeld = (r: Reservation) => r.sku !== plan.sku && r.locationId === snapshot.hubId;
    for (const r of (await inventory.listReservations({ incidentId, status: 'active' })).filter(ownHeld)) {
      held.set(heldKey(r.lineId, r.sku), (held.get(heldKey(r.lineId, r.sku)) ?? 0) + r.quantity);
      heldOf.set(r.sku, (heldOf.get(r.sku) ?? 0) + r.quantity);
    }
    const stock = new Map((await substitutesAtHub(inventory, plan.sku, snapshot.hubId)).map((s) => [s.sku, { ...s, available: s.available + (heldOf.get(s.sku) ?? 0) }]));
    beat();
    const partial = new Map(snapshot.lines.map((l) => [l.lineId, l.partialAllowed]));
    const ranked = planView(plan, snapshot, ranking).lines.map((l) => l.lineId);
    const fitted = substitutesAtCommit(plan.lines, ranked, stock, (lineId) => partial.get(lineId) ?? true, held);
    const reservations = fitted.lines.flatMap((line) => substituteReservations(incidentId, snapshot.hubId, line));
    return { fitted, reservations, snapshot };
  }

  return {
    /**
     * Fits the plan's substitutes to their stock at the hub now and reserves them for the incident: a substitute
     * taken meanwhile is cut to what is left, highest priority first, the rest backordered, in the plan as
     * committed (beside the approved one). A reservation refused because the stock moved again between the read
     * and the write is retried (the next attempt reads again); one refused with the stock as read is a refusal
     * no retry fixes, and parks the commit with the inventory system's reason.
     */
    async holdSubstitutesAtCommit(input: { incidentId: string; planRef: string; ranking: PlanRanking }): Promise<SubstitutesHeld> {
      const plan = await requireDocument<StoredPlan>(store, input.incidentId, input.planRef);
      if (!plan.lines.some((l) => l.substitutes.some((s) => s.quantity > 0))) {
        return { planRef: input.planRef, trimmedLines: 0, unitsBackordered: 0, substitutes: [], ...retriesSoFar() };
      }
      const { fitted, reservations, snapshot } = await fitNow(input.incidentId, plan, input.ranking);
      let held: Omit<SubstitutesHeld, 'retries'> = { planRef: input.planRef, trimmedLines: 0, unitsBackordered: 0, substitutes: fitted.substitutes };
      if (fitted.trimmedLines > 0) {
        const planRef = atCommitKey(input.planRef);
        // Its totals and stages as its lines now stand, at the prices the plan counted.
        const price = new Map(snapshot.lines.map((l) => [l.lineId, l.unitPrice]));
        const figures = totalsOfLines(fitted.lines, (lineId) => price.get(lineId) ?? 0, plan.byStage.map((s) => s.stage));
        const taken = new Map(fitted.substitutes.map((s) => [s.sku, s]));
        const substitutes = plan.substitutes.map((s) => ({ ...s, available: taken.get(s.sku)?.available ?? s.available, used: taken.get(s.sku)?.taken ?? 0 }));
        const exceptions = [...plan.exceptions, ...fitted.exceptions];
        await store.put(input.incidentId, planRef, { ...plan, lines: fitted.lines, substitutes, ...figures, exceptions } satisfies StoredPlan);
        held = {
          ...held,
          planRef,
          figures,
          trimmedLines: fitted.trimmedLines,
          unitsBackordered: fitted.unitsBackordered,
          ...(fitted.exceptions.length > 0 ? { exceptions: fitted.exceptions } : {}),
        };
      }
      // A line whose confirmation the plan takes back needs it given back before its substitute fits the line.
      const releasing = fitted.lines.filter((l) => l.releasedConfirmation > 0 && l.substitutes.some((sub) => sub.quantity > 0)).map((l) => l.lineId);
      for (const part of chunks(releasing, BATCH_WRITE_LIMIT)) {
        await inventory.releaseConfirmations({ items: confirmationReleases(input.incidentId, plan.sku, snapshot.hubId, part) });
        beat();
      }
      for (const part of chunks(reservations, BATCH_WRITE_LIMIT)) {
        try {
          await inventory.createReservations({ items: part });
        } catch (error) {
          if (!(error instanceof ApplicationFailure) || error.type !== REJECTED) throw error;
          const again = await fitNow(input.incidentId, plan, input.ranking);
          if (JSON.stringify(again.reservations) === JSON.stringify(reservations)) throw error;
          throw ApplicationFailure.retryable(`substitute stock moved while the commit reserved it (${error.message}): fitted again on the next attempt`, 'SubstituteStockMoved');
        }
        beat();
      }
      return { ...held, ...retriesSoFar() };
    },
  };
}
