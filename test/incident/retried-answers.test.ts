// A customer's answer retried (a second click on its link, a browser resubmitting, a client retrying its
// Update without the id the API gives it) while the first is being applied, and once it is applied: the retry
// is already recorded, and the answer applied and noted once. Another answer for the same line is news, as
// before. Against the time-skipping server, the reference service over HTTP and the SMTP sink.
import { describe, expect, it } from 'vitest';
import { cancelSignal, customerAnswerUpdate, resumeSignal } from '../../workflows/definitions';
import { refusedUntilFixed, timeSkippingWorlds } from '../harness/incident-worlds';
import { SHORT_SKU, expectBooksBalanced, manualTrigger, policyWith, startIncident, waitForState } from './world';

const worlds = timeSkippingWorlds();

const NO_APPROVAL = { approval: { severityThreshold: 'critical' as const } };

describe('a customer answer retried', () => {
  it('is already recorded while its write is parked and once it is applied: the line cancelled, applied and noted once', async () => {
    const answerWrite = refusedUntilFixed('applyCustomerAnswer', 'order locked by the buyer');
    const w = await worlds.open({ workerActivities: answerWrite.workerActivities });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const before = await waitForState(handle, 'following-up');
      const mailed = w.sink.messages().length;
      const open = (await w.deps.inventory.listBackorders({ incidentId: before.incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const line = open.find((b) => open.filter((o) => o.lineId === b.lineId).length === 1)!;
      const cancel = { answer: 'cancel' as const, answerId: 'link:cancel-once', incidentId: before.incidentId, customerId: line.customerId, lineId: line.lineId };
      expect(await handle.executeUpdate(customerAnswerUpdate, { args: [cancel] })).toMatch(/accepted/);
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'following-up', command: expect.stringContaining('link:cancel-once') });

      // The retry lands while the answer is neither applied nor queued: it is the one being applied.
      expect(await handle.executeUpdate(customerAnswerUpdate, { args: [cancel] })).toMatch(/already recorded/);
      expect((await waitForState(handle, 'needs-attention')).pendingEvents).toBe(1);

      answerWrite.fix();
      await handle.signal(resumeSignal, { resumedBy: 'kim' });
      await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      // And once it is applied.
      expect(await handle.executeUpdate(customerAnswerUpdate, { args: [cancel] })).toMatch(/already recorded/);
      const after = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      expect(after.answersApplied).toEqual(['link:cancel-once']);
      const noted = after.timeline.filter((t) => t.event === 'customer answer: cancel');
      expect(noted.map((t) => t.detail)).toEqual([`cancelled ${line.open} backordered units of line ${line.lineId}`]);
      expect(after.backorders!.cancelledUnits).toBe(before.backorders!.cancelledUnits + line.open);
      const cancelled = (await w.deps.inventory.listBackorders({ incidentId: before.incidentId, limit: 1000 })).backorders.find((b) => b.backorderId === line.backorderId)!;
      expect(cancelled).toMatchObject({ open: 0, cancelled: line.open });

      // Another answer about the same line (another link of its email) is not a retry: it is applied as before.
      const wait = { answer: 'can-wait' as const, answerId: 'link:wait-after-cancel', incidentId: before.incidentId, customerId: line.customerId, lineId: line.lineId, onHand: 40 };
      expect(await handle.executeUpdate(customerAnswerUpdate, { args: [wait] })).toMatch(/accepted/);
      const answered = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      expect(answered.answersApplied).toEqual(['link:cancel-once', 'link:wait-after-cancel']);
      expect(answered.timeline.filter((t) => t.event === 'customer answer: can-wait')).toHaveLength(1);
      // An answer sends no email of its own: the retries sent none either.
      expect(w.sink.messages()).toHaveLength(mailed);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'kim' });
      expect((await handle.result()).outcome).toBe('cancelled');
    });
    await expectBooksBalanced(w);
  });
});
