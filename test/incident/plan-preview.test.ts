// A planner steers the plan through the operations the API and CLI use, on the time-skipping server against
// the reference inventory/CRM service: reads the plan line by line, previews overrides (refused with the field
// named when they do not fit, and nothing changes), approves the revision the preview made, and the inventory
// system then holds exactly the previewed plan.
import { expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import type { StoredPlan } from '../../src/incident/planning';
import { createIncidentOperations, OperationError, type IncidentOperations } from '../../src/operations/incident-operations';
import { decidePlanUpdate, previewOverridesUpdate } from '../../workflows/definitions';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { recordHistory } from '../harness/replay';
import { SHORT_SKU, expectBooksBalanced, expectUpdateRejected, manualTrigger, policyWith, settledState, startIncident, waitForState } from './world';

const worlds = timeSkippingWorlds();
const ALWAYS_APPROVE = { approval: { severityThreshold: 'low' as const, deadlineHours: 24, timeoutAction: 'escalate' as const } };

/** The operation's refusal, or a failure of the test when it went through. */
async function refusal(call: Promise<unknown>): Promise<OperationError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the operation should have been refused').toBeInstanceOf(OperationError);
  return error as OperationError;
}

it('previews overrides as a revision, refuses bad ones by name, and commits exactly the previewed plan once approved', async () => {
  const w = await worlds.open();
  const ops: IncidentOperations = createIncidentOperations({ client: w.client, policy: DEFAULT_POLICY, taskQueue: w.taskQueue, store: w.store });
  await w.worker.runUntil(async () => {
    const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(ALWAYS_APPROVE));
    const pending = await waitForState(handle, 'awaiting-approval');
    const id = handle.workflowId;

    // The plan line by line, as the planner sees it before deciding.
    const first = await ops.plan(id, { limit: 5 });
    expect(first).toMatchObject({ incidentId: pending.incidentId, revision: 0, simulationId: null, total: pending.plan!.totals.lines });
    expect(first.lines.map((l) => l.position)).toEqual([1, 2, 3, 4, 5]);
    expect(first.lines[0]!.customer.name).toEqual(expect.any(String));
    const nothing = (await ops.plan(id, { outcome: 'nothing', limit: 1 })).lines[0]!;
    const served = (await ops.plan(id, { outcome: 'full', limit: 1000 })).lines.find((l) => l.allocated > 1 && !l.customer.critical)!;
    expect(nothing.allocated).toBe(0);
    const customers = await ops.planCustomers(id, { customer: served.customer.customerId, limit: 10 });
    expect(customers.customers[0]!.lines.map((l) => l.lineId)).toContain(served.lineId);

    // Overrides that do not fit are refused before anything reaches the incident, each naming its field.
    const preview = (overrides: { lineId: string; allocate: number; reason?: string }[], planRevision = 0) =>
      ops.previewOverrides(id, { planRevision, overrides, previewedBy: 'ann' });
    const bad: [() => Promise<unknown>, string][] = [
      [() => preview([{ lineId: 'NO-SUCH-LINE', allocate: 1 }]), 'preview.overrides.0.lineId'],
      [() => preview([{ lineId: nothing.lineId, allocate: nothing.requested + 1 }]), 'preview.overrides.0.allocate'],
      [() => preview([{ lineId: nothing.lineId, allocate: 1.5 }]), 'preview.overrides.0.allocate'],
      [() => preview([{ lineId: nothing.lineId, allocate: 1 }, { lineId: served.lineId, allocate: 0 }]), 'preview.overrides.1.reason'],
      [() => preview([{ lineId: served.lineId, allocate: 0, reason: 'x'.repeat(501) }]), 'preview.overrides.0.reason'],
      [() => preview([{ lineId: nothing.lineId, allocate: 1 }], 7), 'preview.planRevision'],
    ];
    for (const [call, field] of bad) {
      const error = await refusal(call());
      expect(error.issues.map((i) => i.path)).toContain(field);
      expect(error.message).toContain(field);
    }
    // The incident defends itself too, for callers that go around the operations.
    await expectUpdateRejected(
      handle.executeUpdate(previewOverridesUpdate, { args: [{ planRevision: 0, previewedBy: 'ann', overrides: [{ lineId: nothing.lineId, allocate: -1 }] }] }),
      /preview\.overrides\.0\.allocate/,
    );
    await expectUpdateRejected(
      handle.executeUpdate(previewOverridesUpdate, { args: [{ planRevision: 0, previewedBy: 'ann', overrides: [{ lineId: 'NO-SUCH-LINE', allocate: 1 }] }] }),
      /NO-SUCH-LINE is not in this incident/,
    );
    let unchanged = await settledState(handle);
    expect(unchanged.previews ?? []).toEqual([]);
    expect(unchanged.plan!.revision).toBe(0);
    expect(await w.deps.inventory.listReservations({ incidentId: pending.incidentId })).toEqual([]);

    // A good preview: a new revision stored and shown, nothing committed, the plan awaiting approval unchanged.
    const previewed = await preview([
      { lineId: nothing.lineId, allocate: nothing.requested, reason: 'key account' },
      { lineId: served.lineId, allocate: 1, reason: 'holds stock elsewhere' },
    ]);
    expect(previewed).toMatchObject({ revision: 1, basedOn: 0, previewedBy: 'ann', plan: { revision: 1, planRef: 'plan/1', overrides: 2 } });
    const raised = previewed.changedLines.find((l) => l.lineId === nothing.lineId)!;
    expect(raised).toMatchObject({ change: 'improved', allocatedFrom: 0, allocatedTo: nothing.requested });
    expect(previewed.changedLines.find((l) => l.lineId === served.lineId)).toMatchObject({ change: 'worse', allocatedFrom: served.allocated, allocatedTo: 1 });
    expect(previewed.impact.perStage.reduce((sum, s) => sum + s.lines, 0)).toBe(first.total);
    expect(previewed.impact.perCustomer.map((c) => c.customerId)).toEqual(expect.arrayContaining([nothing.customer.customerId, served.customer.customerId]));
    unchanged = await settledState(handle);
    expect(unchanged.plan!.revision).toBe(0);
    expect(unchanged.approval.status).toBe('pending');
    expect(unchanged.previews!.map((p) => p.plan.revision)).toEqual([1]);
    expect(unchanged.timeline.some((t) => t.event === 'plan previewed' && t.detail?.startsWith('ann: revision 1'))).toBe(true);
    expect(await w.deps.inventory.listReservations({ incidentId: pending.incidentId })).toEqual([]);
    const revisedLine = (await ops.plan(id, { revision: 1, customer: nothing.customer.customerId, limit: 1000 })).lines.find((l) => l.lineId === nothing.lineId)!;
    expect(revisedLine).toMatchObject({ allocated: nothing.requested, override: { allocate: nothing.requested, reason: 'key account' } });
    const compared = await ops.comparePlans(id, { from: 0, to: 1, change: 'worse', limit: 1000 });
    expect(compared.lines.map((l) => l.lineId)).toContain(served.lineId);

    // Overrides in the decision itself would approve a plan nobody saw: refused unless asked for.
    await expectUpdateRejected(
      handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: 0, decidedBy: 'ann', overrides: [{ lineId: nothing.lineId, allocate: 1 }] }] }),
      /decision\.overrides: .*approveRevisedPlan/,
    );

    // Approving the preview commits it: what the inventory system holds is the previewed plan, line by line.
    const approved = await ops.decide(id, { decision: 'approve', planRevision: 1, decidedBy: 'ann', overrides: [], comment: 'as previewed' });
    expect(approved.status).toBe('approved');
    const committed = await waitForState(handle, 'following-up');
    expect(committed.plan).toEqual(previewed.plan);
    expect(committed.previews).toEqual([]);
    const plan = (await w.store.get<StoredPlan>(committed.incidentId, 'plan/1'))!;
    const snapshot = (await w.store.get<{ lines: { lineId: string; confirmedQuantity: number }[] }>(committed.incidentId, 'snapshot'))!;
    const held = new Map(snapshot.lines.map((l) => [l.lineId, l.confirmedQuantity]));
    const expected = new Map<string, number>();
    for (const l of plan.lines) {
      // A kept confirmation stays the line's own reservation; the incident reserves the rest.
      const units = l.allocated - (l.releasedConfirmation > 0 ? 0 : held.get(l.lineId)!);
      if (units > 0) expected.set(`${l.lineId} ${SHORT_SKU}`, units);
      for (const s of l.substitutes) if (s.quantity > 0) expected.set(`${l.lineId} ${s.sku}`, s.quantity);
    }
    const reserved = new Map<string, number>();
    for (const r of await w.deps.inventory.listReservations({ incidentId: committed.incidentId, status: 'active' })) {
      reserved.set(`${r.lineId} ${r.sku}`, (reserved.get(`${r.lineId} ${r.sku}`) ?? 0) + r.quantity);
    }
    expect(reserved).toEqual(expected);
    expect(reserved.get(`${nothing.lineId} ${SHORT_SKU}`)).toBe(nothing.requested - (held.get(nothing.lineId) ?? 0));

    await handle.signal('cancel', { reason: 'test over', cancelledBy: 'ann' });
    expect((await handle.result()).outcome).toBe('cancelled');
    if (process.env.RECORD_HISTORIES === '1') await recordHistory(handle, 'incident-preview-approve');
  });
  await expectBooksBalanced(w);
});
