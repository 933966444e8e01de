// A recording stand-in for the operations interface: front-end tests check what reaches it (and that bad
// input never does) without Temporal. Answers are canned; `failWith` makes every call throw.
import type { IncidentOperations, Simulation } from '../../src/operations/incident-operations';
import { openIncident } from '../../src/incident/lifecycle';
import type { IncidentState, PlanSummary } from '../../src/incident/state';

export interface Call {
  method: keyof IncidentOperations;
  args: unknown[];
}

export function fakeOperations(options: { started?: boolean; failWith?: Error } = {}) {
  const calls: Call[] = [];
  const record =
    <R>(method: keyof IncidentOperations, answer: (...args: unknown[]) => R) =>
    async (...args: unknown[]): Promise<R> => {
      calls.push({ method, args });
      if (options.failWith) throw options.failWith;
      return answer(...args);
    };
  const message = (id: unknown) => ({ workflowId: String(id), message: 'accepted' });
  const operations: IncidentOperations = {
    trigger: record('trigger', (t) => ({ workflowId: `stockout:${(t as { network: string }).network}:${(t as { sku: string }).sku}`, started: options.started ?? true })),
    orderEvent: record('orderEvent', (e) => ({ workflowId: `stockout:${(e as { network: string }).network}:${(e as { sku: string }).sku}`, signalled: true })),
    list: record('list', () => []),
    show: record('show', () => sampleState()),
    simulate: record('simulate', () => sampleComparison()),
    decide: record('decide', () => ({ required: true, status: 'approved' as const, deadline: null, decidedBy: 'pat', comment: null })),
    restock: record('restock', message),
    changeEta: record('changeEta', message),
    answer: record('answer', message),
    cancel: record('cancel', message),
    resume: record('resume', message),
    withdraw: record('withdraw', message),
    plan: record('plan', () => ({ incidentId: 'stockout:eu:SKU-1:abcd1234', revision: 0, simulationId: null, policyName: 'default', lines: [], nextCursor: null, total: 0 })),
    planCustomers: record('planCustomers', () => ({ incidentId: 'stockout:eu:SKU-1:abcd1234', revision: 0, simulationId: null, customers: [], nextCursor: null, total: 0 })),
    comparePlans: record('comparePlans', () => ({
      incidentId: 'stockout:eu:SKU-1:abcd1234',
      from: { revision: 0, simulationId: null },
      to: { revision: 1, simulationId: null },
      lines: [],
      nextCursor: null,
      total: 0,
      summary: [],
    })),
    previewOverrides: record('previewOverrides', () => ({
      incidentId: 'stockout:eu:SKU-1:abcd1234',
      revision: 1,
      basedOn: 0,
      previewedBy: 'pat',
      plan: samplePlan({ revision: 1, planRef: 'plan/1', overrides: 1 }),
      impact: { perStage: [], perCustomer: [] },
      changedLines: [],
      changedLineCount: 0,
    })),
    report: record('report', (id) => ({
      workflowId: String(id),
      summary: { reportRef: 'report', outcome: 'closed' as const, fillRate: 0.9, revenueProtected: 900, revenueAtRisk: 1000, firstNoticeAfterMinutes: 12, recommendations: [] },
      report: null,
    })),
    latest: record('latest', () => null),
  };
  return { operations, calls };
}

export function samplePlan(overrides: Partial<PlanSummary> = {}): PlanSummary {
  const figures = {
    lines: 3,
    customers: 2,
    requested: 100,
    allocated: 60,
    substituted: 10,
    backordered: 30,
    fillRate: 0.7,
    customersWithNothing: 0,
    revenueAtRisk: 3000,
    revenueProtected: 7000,
  };
  return {
    revision: 0,
    planRef: 'plan/0',
    policyName: 'default',
    pool: 70,
    poolUsed: 70,
    poolLeft: 0,
    byStage: [
      { ...figures, stage: 'integrated', lines: 1, customers: 1, requested: 40, allocated: 40, substituted: 0, backordered: 0, fillRate: 1 },
      { ...figures, stage: 'basic', lines: 2, customers: 1, requested: 60, allocated: 20, substituted: 10, backordered: 30, fillRate: 0.5 },
    ],
    totals: figures,
    largestCustomerShare: 0.571,
    exceptions: [],
    overrides: 0,
    ...overrides,
  };
}

export function sampleComparison(): Simulation {
  return {
    simulationId: '0b6f3c1e-5d0c-4a57-9a39-2f3d0c6c9e11',
    current: samplePlan(),
    simulated: samplePlan({ policyName: 'even' }),
    difference: [
      { stage: 'integrated', allocated: -10, substituted: 0, backordered: 10, fillRate: -0.25, customersWithNothing: 0 },
      { stage: 'basic', allocated: 10, substituted: 0, backordered: -10, fillRate: 0.1667, customersWithNothing: -1 },
    ],
  };
}

/** An incident awaiting approval of its first plan, opened by a manual trigger. */
export function sampleState(): IncidentState {
  const trigger = { triggerId: 't1', sku: 'SKU-1', network: 'eu', source: 'manual' as const, reason: 'supplier fire' };
  return {
    ...openIncident(trigger, { workflowId: 'stockout:eu:SKU-1', firstExecutionRunId: 'abcd1234' }, '2025-03-01T08:00:00.000Z'),
    stage: 'awaiting-approval',
    severity: 'high',
    impact: {
      asOf: '2025-03-01',
      shortage: 30,
      available: 70,
      demand: 100,
      affectedLines: 3,
      affectedCustomers: 2,
      affectedAccountManagers: 1,
      revenueAtRisk: 3000,
      gapDays: 12,
      daysOfCover: 4.5,
      nextInboundEta: '2025-03-13',
      severity: 'high',
      snapshotRef: 'snapshot',
    },
    pooling: { hubId: 'HUB', hubFree: 40, pooled: 30, pool: 70, transfers: [] },
    plan: samplePlan(),
    approval: { required: true, status: 'pending', deadline: '2025-03-01T12:00:00.000Z', decidedBy: null, comment: null },
    backorders: { openLines: 2, openUnits: 30, fulfilledUnits: 0, cancelledUnits: 0 },
    timeline: [
      { at: '2025-03-01T08:00:00.000Z', event: 'opened', detail: 'manual: supplier fire' },
      { at: '2025-03-01T08:01:00.000Z', event: 'plan proposed' },
    ],
    pendingEvents: 1,
  };
}
