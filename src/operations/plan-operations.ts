// The plan line by line for every front end (HTTP API, console, CLI): a revision or a what-if page by page,
// per customer, two plans compared, and overrides previewed as a new revision before anyone approves it. The
// lines are read from the incident store — never through workflow history — and each stored plan is turned
// into its view once (plans are never rewritten under their key), so paging a 20,000-line plan is quick.
import type { WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import type { Policy } from '../allocation/policy';
import { PlanPreviewSchema } from '../incident/commands';
import { overrideBaseOf, overrideIssues } from '../incident/overrides';
import { awaitsDecision, planKey, reviewablePlan, reviewableRevisions, whatIfKey, type StoredPlan } from '../incident/planning';
import type { IncidentState, PlanSummary } from '../incident/state';
import type { IncidentStore } from '../incident-store/store';
import { customersWithNothing, periodStartMs, type StoredRations } from '../rationing/schedule';
import { comparisonPage, PlanCompareQuerySchema, previewImpact, type ComparedLine, type CustomerChange, type StageChange } from '../plan-view/compare';
import { planView, type PlanLineView, type PlanSnapshot, type PlanView } from '../plan-view/lines';
import { customersPage, linesPage, PlanCustomersQuerySchema, PlanLinesQuerySchema, PlanQueryError, type PlanCustomerView } from '../plan-view/pages';
import type { stockoutIncident } from '../../workflows/incident';
import { previewOverridesUpdate, stateQuery } from '../../workflows/definitions';
import { OperationError, invalidInput, validate } from './operation-error';
import { updateIdOf } from './update-ids';

// ---- what a reader asks for ----

const revision = z.coerce.number().int().nonnegative();
/** A what-if is named by the `simulationId` its simulation answered with. */
export const SimulationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,100}$/, 'must be the simulationId a simulation answered with')
  .meta({ description: 'A what-if plan instead of a revision: the `simulationId` the simulate reply gave.' });

const PlanSelectionSchema = z.object({
  revision: revision.optional().meta({ description: 'The plan revision (default: the current plan).' }),
  simulation: SimulationIdSchema.optional(),
});

export const PlanLinesRequestSchema = PlanLinesQuerySchema.extend(PlanSelectionSchema.shape);
export type PlanLinesRequest = z.input<typeof PlanLinesRequestSchema>;
export const PlanCustomersRequestSchema = PlanCustomersQuerySchema.extend(PlanSelectionSchema.shape);
export type PlanCustomersRequest = z.input<typeof PlanCustomersRequestSchema>;
export const PlanCompareRequestSchema = PlanCompareQuerySchema.extend({
  from: revision.optional().meta({ description: 'The revision compared from (default: the current plan with `simulation`, else revision 0, the plan first proposed).' }),
  to: revision.optional().meta({ description: 'The revision compared to (default: the current plan); not with `simulation`, which is compared to.' }),
  simulation: SimulationIdSchema.optional(),
});
export type PlanCompareRequest = z.input<typeof PlanCompareRequestSchema>;

// ---- what comes back ----

/** Which plan a view is of: a revision, or a what-if made from one. */
export interface PlanRef {
  revision: number;
  /** Set for a what-if plan; `revision` is then the plan it was simulated beside. */
  simulationId: string | null;
}

export interface PlanLinesPage extends PlanRef {
  incidentId: string;
  /** The policy the plan was made under; null for plans stored before it was kept with them. */
  policyName: string | null;
  /** Present for the committed plan of an incident that rations it. */
  rationing?: PlanRationing;
  lines: PlanLineView[];
  nextCursor: string | null;
  total: number;
}

/** A rationed plan's allotments per customer and period, for the customers of a page (activities/rationing.ts). */
export interface PlanRationing {
  periodDays: number;
  periods: number;
  /** Periods released so far. */
  released: number;
  /** The inbound ETA the periods run until. */
  until: string;
  /** When each period starts, period 1 first. */
  periodStarts: string[];
  /** Per period, the rationed customers left with nothing: no allotment, and no stock of their own lasting it. */
  customersWithNothing: number[];
  customers: { customerId: string; share: number; allotments: number[] }[];
}

export interface PlanCustomersPage extends PlanRef {
  incidentId: string;
  /** Present for the committed plan of an incident that rations it. */
  rationing?: PlanRationing;
  customers: PlanCustomerView[];
  nextCursor: string | null;
  total: number;
}

export interface PlanComparisonPage {
  incidentId: string;
  from: PlanRef;
  to: PlanRef;
  lines: ComparedLine[];
  nextCursor: string | null;
  total: number;
  /** Per relationship stage, over every line whatever the filters. */
  summary: StageChange[];
}

export interface OverridePreview {
  incidentId: string;
  /** The revision the preview made: approve it by this number. */
  revision: number;
  /** The revision the overrides change. */
  basedOn: number;
  previewedBy: string;
  plan: PlanSummary;
  impact: { perStage: StageChange[]; perCustomer: CustomerChange[] };
  /** Lines served otherwise than in the revision changed, in priority order: the first 500. */
  changedLines: ComparedLine[];
  changedLineCount: number;
}

export interface PlanOperations {
  /** A plan revision (default: the current plan) or a what-if, line by line, a page at a time. */
  plan(id: string, query?: PlanLinesRequest): Promise<PlanLinesPage>;
  /** The same per customer: one row each with its totals and its lines. */
  planCustomers(id: string, query?: PlanCustomersRequest): Promise<PlanCustomersPage>;
  /** Two plans (or a plan and a what-if) line by line: improved, worse or unchanged with the change. */
  comparePlans(id: string, query?: PlanCompareRequest): Promise<PlanComparisonPage>;
  /** Overrides checked and the revised plan stored as a new revision, committing nothing; its impact beside the revision changed. */
  previewOverrides(id: string, request: z.input<typeof PlanPreviewSchema>): Promise<OverridePreview>;
}

type IncidentHandle = WorkflowHandle<typeof stockoutIncident>;

interface Loaded {
  plan: StoredPlan;
  view: PlanView;
}

/** Views kept: a few incidents' current plan, its previews and a what-if, each some megabytes at 20,000 lines. */
const VIEWS_KEPT = 8;

export function createPlanOperations(options: {
  store?: IncidentStore;
  /** Ranks the lines of plans stored before their own policy was kept with them. */
  policy: Policy;
  onIncident: <T>(id: string, work: (handle: IncidentHandle) => Promise<T>) => Promise<T>;
}): PlanOperations {
  const { store, policy, onIncident } = options;
  const views = new Map<string, Promise<Loaded>>();

  function storeOrRefuse(): IncidentStore {
    if (!store) throw new OperationError('unavailable', 'the incident store is not reachable from here: plans are read from it (STOCKOUT_DATA_DIR)');
    return store;
  }

  async function stateWithPlan(handle: IncidentHandle): Promise<IncidentState & { plan: PlanSummary }> {
    const s = await handle.query(stateQuery);
    if (!s.plan || !s.impact) throw new OperationError('rejected', `incident ${handle.workflowId} has no plan yet (stage ${s.stage})`);
    return s as IncidentState & { plan: PlanSummary };
  }

  /** The stored plan under `planRef` as a view, built once and kept for the next pages. */
  function load(s: IncidentState, planRef: string, what: string): Promise<Loaded> {
    const key = `${s.incidentId}\n${planRef}`;
    let loaded = views.get(key);
    if (!loaded) {
      loaded = build(s, planRef, what);
      loaded.catch(() => views.delete(key));
      views.set(key, loaded);
      if (views.size > VIEWS_KEPT) views.delete(views.keys().next().value!);
    } else {
      // Most recently used last.
      views.delete(key);
      views.set(key, loaded);
    }
    return loaded;
  }

  async function build(s: IncidentState, planRef: string, what: string): Promise<Loaded> {
    const documents = storeOrRefuse();
    const [plan, snapshot] = await Promise.all([documents.get<StoredPlan>(s.incidentId, planRef), documents.get<PlanSnapshot>(s.incidentId, s.impact!.snapshotRef)]);
    if (!plan) throw new OperationError('not-found', `${what} of incident ${s.incidentId} is not in the incident store`);
    if (!snapshot) throw new OperationError('not-found', `the demand snapshot of incident ${s.incidentId} is not in the incident store`);
    const fallback = { policy, asOf: s.impact!.asOf, nextInboundEta: s.impact!.nextInboundEta };
    return { plan, view: planView(plan, snapshot, fallback) };
  }

  /** The plan a selection names: a what-if, a revision, or the current plan. */
  async function selected(s: IncidentState & { plan: PlanSummary }, selection: { revision?: number; simulation?: string }, root: string) {
    if (selection.simulation !== undefined) {
      if (selection.revision !== undefined) throw invalidInput([{ path: `${root}.simulation`, message: 'give a revision or a simulation, not both' }]);
      const loaded = await load(s, whatIfKey(selection.simulation), `what-if ${selection.simulation}`);
      return { ...loaded, ref: { revision: loaded.plan.basis?.revision ?? s.plan.revision, simulationId: selection.simulation } };
    }
    const number = selection.revision ?? s.plan.revision;
    const loaded = await load(s, planKey(number), `plan revision ${number}`);
    return { ...loaded, ref: { revision: number, simulationId: null } };
  }

  /** The allotments of the page's customers, when the selected plan is the one the incident rations. */
  async function rationingOf(s: IncidentState & { plan: PlanSummary }, ref: PlanRef, customerIds: string[]): Promise<{ rationing?: PlanRationing }> {
    if (!s.rationing || ref.simulationId !== null || ref.revision !== s.plan.revision) return {};
    const stored = await storeOrRefuse().get<StoredRations>(s.incidentId, s.rationing.rationRef);
    if (!stored) return {};
    const { schedule } = stored;
    const wanted = new Set(customerIds);
    return {
      rationing: {
        periodDays: schedule.periodDays,
        periods: schedule.periods,
        released: schedule.released,
        until: schedule.until,
        periodStarts: Array.from({ length: schedule.periods }, (_, i) => new Date(periodStartMs(schedule, i + 1)).toISOString()),
        customersWithNothing: Array.from({ length: schedule.periods }, (_, i) => customersWithNothing(schedule, i + 1)),
        customers: schedule.customers.filter((c) => wanted.has(c.customerId)).map(({ customerId, share, allotments }) => ({ customerId, share, allotments })),
      },
    };
  }

  /** Runs a read; a cursor the view refuses is bad input naming the query field. */
  async function reading<T>(id: string, root: string, work: (handle: IncidentHandle) => Promise<T>): Promise<T> {
    return onIncident(id, async (handle) => {
      try {
        return await work(handle);
      } catch (error) {
        if (error instanceof PlanQueryError) throw invalidInput([{ path: `${root}.${error.path}`, message: error.message.slice(error.path.length + 2) }]);
        throw error;
      }
    });
  }

  return {
    async plan(id, raw = {}) {
      const query = validate(PlanLinesRequestSchema, raw, 'query');
      return reading(id, 'query', async (handle) => {
        const s = await stateWithPlan(handle);
        const { plan, view, ref } = await selected(s, query, 'query');
        const page = linesPage(view, query);
        const rationing = await rationingOf(s, ref, page.items.map((l) => l.customer.customerId));
        return { incidentId: s.incidentId, ...ref, policyName: plan.basis?.policy.name ?? null, ...rationing, lines: page.items, nextCursor: page.nextCursor, total: page.total };
      });
    },

    async planCustomers(id, raw = {}) {
      const query = validate(PlanCustomersRequestSchema, raw, 'query');
      return reading(id, 'query', async (handle) => {
        const s = await stateWithPlan(handle);
        const { view, ref } = await selected(s, query, 'query');
        const page = customersPage(view, query);
        const rationing = await rationingOf(s, ref, page.items.map((c) => c.customerId));
        return { incidentId: s.incidentId, ...ref, ...rationing, customers: page.items, nextCursor: page.nextCursor, total: page.total };
      });
    },

    async comparePlans(id, raw = {}) {
      const query = validate(PlanCompareRequestSchema, raw, 'query');
      return reading(id, 'query', async (handle) => {
        const s = await stateWithPlan(handle);
        if (query.simulation !== undefined && query.to !== undefined) {
          throw invalidInput([{ path: 'query.to', message: 'a what-if (simulation) is what the plan is compared to: give one of them' }]);
        }
        const to = await selected(s, query.simulation !== undefined ? { simulation: query.simulation } : { revision: query.to ?? s.plan.revision }, 'query');
        const from = await selected(s, { revision: query.from ?? (query.simulation !== undefined ? to.ref.revision : 0) }, 'query');
        const page = comparisonPage(from.view, to.view, query);
        return { incidentId: s.incidentId, from: from.ref, to: to.ref, lines: page.items, nextCursor: page.nextCursor, total: page.total, summary: page.summary };
      });
    },

    async previewOverrides(id, raw) {
      const request = validate(PlanPreviewSchema, raw, 'preview');
      return onIncident(id, async (handle) => {
        const s = await stateWithPlan(handle);
        if (!awaitsDecision(s)) throw new OperationError('rejected', `preview: no plan is awaiting approval (stage ${s.stage})`);
        const base = reviewablePlan(s, request.planRevision);
        if (!base) {
          const message = `${reviewableRevisions(s)} is awaiting approval, not ${request.planRevision}`;
          throw new OperationError('rejected', `preview.planRevision: ${message}`, [{ path: 'preview.planRevision', message }]);
        }
        // Checked here against the stored plan first: overrides that do not fit reach no workflow.
        const from = await load(s, base.planRef, `plan revision ${base.revision}`);
        const lines = from.view.lines.map((l) => ({ lineId: l.lineId, quantity: l.requested, confirmedQuantity: l.held }));
        const issues = overrideIssues(request.overrides, { lines, pool: s.pooling!.pool, base: overrideBaseOf(from.plan) }, 'preview.overrides');
        if (issues.length > 0) throw invalidInput(issues, 422);
        const preview = await handle.executeUpdate(previewOverridesUpdate, { args: [request], updateId: updateIdOf('preview', request) });
        const to = await load(s, preview.plan.planRef, `plan revision ${preview.plan.revision}`);
        return {
          incidentId: s.incidentId,
          revision: preview.plan.revision,
          basedOn: preview.basedOn,
          previewedBy: preview.previewedBy,
          plan: preview.plan,
          ...previewImpact(from.view, to.view),
        };
      });
    },
  };
}
