// A restock or ETA change retried while the first is being applied (its write parked, so the retry lands in
// that window for sure): the retry is recognised as already recorded, and the receipt is allocated, the ETA
// told, once. Against the time-skipping server, the reference service over HTTP and the SMTP sink.
import { describe, expect, it } from 'vitest';
import { cancelSignal, changeEtaUpdate, recordRestockUpdate, resumeSignal } from '../../workflows/definitions';
import { refusedUntilFixed, timeSkippingWorlds } from '../harness/incident-worlds';
import { SHORT_SKU, dateAhead, emailsByKind, expectBooksBalanced, manualTrigger, policyWith, startIncident, waitForState } from './world';

const worlds = timeSkippingWorlds();

const NO_APPROVAL = { approval: { severityThreshold: 'critical' as const } };

describe('a follow-up retried while the first is being applied', () => {
  it('a receipt recorded again while its allocation is parked is already recorded: one round, one email each', async () => {
    const allocation = refusedUntilFixed('allocateRestock', 'receipt refused: goods-in not yet counted');
    const w = await worlds.open({ workerActivities: allocation.workerActivities });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const before = await waitForState(handle, 'following-up');
      const restock = { receiptId: 'GR-retried', quantity: Math.floor(before.backorders!.openUnits / 3) };
      expect(await handle.executeUpdate(recordRestockUpdate, { args: [restock] })).toMatch(/accepted/);
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'following-up', command: expect.stringContaining('GR-retried') });
      expect(parked.receiptsApplied).not.toContain('GR-retried');

      // The client retries while the receipt is neither applied nor queued: it is the one being applied.
      expect(await handle.executeUpdate(recordRestockUpdate, { args: [restock] })).toMatch(/already recorded/);
      expect((await waitForState(handle, 'needs-attention')).pendingEvents).toBe(1);

      allocation.fix();
      await handle.signal(resumeSignal, { resumedBy: 'kim' });
      const after = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      expect(after.restockRounds).toBe(1);
      expect(after.receiptsApplied.filter((id) => id === 'GR-retried')).toHaveLength(1);
      expect(after.timeline.filter((t) => t.event === 'restock allocated')).toHaveLength(1);
      const shipped = after.deliveries.filter((d) => d.kind === 'backorder-shipped');
      expect(shipped).toHaveLength(1);
      const told = emailsByKind(w)['backorder-shipped'] ?? [];
      expect(told.length).toBeGreaterThan(0);
      expect(new Set(told).size).toBe(told.length);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'kim' });
      expect((await handle.result()).outcome).toBe('cancelled');
    });
    await expectBooksBalanced(w);
  });

  it('the same ETA again while its change is parked is already being told: one revision, one email each; the date told before is news while another is being told', async () => {
    const etaWrite = refusedUntilFixed('applyEtaChange', 'PO locked by the buyer');
    const w = await worlds.open({ workerActivities: etaWrite.workerActivities });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      await waitForState(handle, 'following-up');
      const po = (await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.status === 'open')!;
      const change = { poId: po.poId, eta: await dateAhead(w.env, 45), reason: 'supplier delay' };
      expect(await handle.executeUpdate(changeEtaUpdate, { args: [change] })).toMatch(/customers with open backorders will be told/);
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'following-up', command: expect.stringContaining(change.eta) });

      // The same date retried while it is being told tells nobody twice.
      expect(await handle.executeUpdate(changeEtaUpdate, { args: [change] })).toMatch(new RegExp(`already ${change.eta}`));
      expect((await waitForState(handle, 'needs-attention')).pendingEvents).toBe(1);

      etaWrite.fix();
      await handle.signal(resumeSignal, { resumedBy: 'kim' });
      const told = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      expect(told.etaRevision).toBe(1);
      expect(told.timeline.filter((t) => t.event === 'ETA changed')).toHaveLength(1);
      expect(told.deliveries.filter((d) => d.kind === 'eta-change')).toHaveLength(1);
      const emailed = emailsByKind(w)['eta-change'] ?? [];
      expect(emailed.length).toBeGreaterThan(0);
      expect(new Set(emailed).size).toBe(emailed.length);

      // While another date is being told, the date told before is news again: the customers end up told it.
      etaWrite.refuse();
      expect(await handle.executeUpdate(changeEtaUpdate, { args: [{ ...change, eta: await dateAhead(w.env, 60) }] })).toMatch(/will be told/);
      await waitForState(handle, 'needs-attention');
      expect(await handle.executeUpdate(changeEtaUpdate, { args: [change] })).toMatch(/will be told/);
      expect((await waitForState(handle, 'needs-attention')).pendingEvents).toBe(2);
      etaWrite.fix();
      await handle.signal(resumeSignal, { resumedBy: 'kim' });
      const later = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      expect(later.etaRevision).toBe(3);
      expect(later.inboundEtas?.[po.poId]).toBe(change.eta);
      expect((await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.poId === po.poId)!.eta).toBe(change.eta);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'kim' });
      expect((await handle.result()).outcome).toBe('cancelled');
    });
    await expectBooksBalanced(w);
  });
});
