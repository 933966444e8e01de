// Whole incidents on the time-skipping server, against the reference inventory/CRM service over HTTP and the
// SMTP sink: who receives each event's emails, as the systems of record see it, and whom managers should call.
import { describe, expect, it } from 'vitest';
import type { AllocationPlan } from '../../src/allocation/types';
import type { IncidentSnapshot } from '../../activities/shared';
import { cancelSignal, recordRestockUpdate } from '../../workflows/definitions';
import { SHORT_SKU, manualTrigger, settledState, startIncident, waitForState } from '../incident/world';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { NO_APPROVAL, recipientsByNotice, addressesOf, customersWith, isDigest, emailsOf, tableRows, customerOfRow, callList , inEnglish } from './incident-emails';
import { noticeContact } from '../../src/notifications/notices';

describe('notices of a whole incident: who is told', () => {
  const worlds = timeSkippingWorlds();

  it('tells exactly the customers each event concerns, once each, and each of their account managers once', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const following = await waitForState(handle, 'following-up');
      const { incidentId } = following;

      // Status update: every customer with an open backorder, after the policy's interval (3 days).
      const waiting = await customersWith(w, incidentId, (b) => b.open > 0);
      expect(waiting.length).toBeGreaterThan(2);
      await w.env.sleep('73 hours');
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'status-update'));
      expect(recipientsByNotice(w)['status-update; revision=1']).toEqual(await addressesOf(w, waiting));

      // Backorders shipped: the customers the restock gave units to, and only them.
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-1', quantity: Math.floor(following.backorders!.openUnits / 3) }] });
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'backorder-shipped'));
      const shipped = await customersWith(w, incidentId, (b) => b.fulfilled > 0);
      expect(shipped.length).toBeGreaterThan(0);
      expect(shipped.length).toBeLessThan(waiting.length);
      expect(recipientsByNotice(w)['backorder-shipped; revision=1']).toEqual(await addressesOf(w, shipped));

      // The rest arrives: the second round ships to everyone still waiting, then the closing notice reaches
      // everyone told at the start, and nobody else.
      const stillWaiting = await customersWith(w, incidentId, (b) => b.open > 0);
      const open = (await settledState(handle)).backorders!.openUnits;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-2', quantity: open }] });
      expect((await handle.result()).outcome).toBe('closed');
      const byNotice = recipientsByNotice(w);
      expect(byNotice['backorder-shipped; revision=2']).toEqual(await addressesOf(w, stillWaiting));
      expect(byNotice['incident-closed; revision=0']).toEqual(byNotice['first-notice; revision=0']);
      expect(byNotice['first-notice; revision=0']!.length).toBeGreaterThan(waiting.length);
      expect(Object.keys(byNotice).sort()).toEqual([
        'backorder-shipped; revision=1',
        'backorder-shipped; revision=2',
        'first-notice; revision=0',
        'incident-closed; revision=0',
        'status-update; revision=1',
      ]);
    });
  });

  it('tells only the customers the shortage touches, says why a line gets nothing now, and ranks whom to call', async () => {
    const w = await worlds.open();
    // This test reads the English wording; the customers' own languages are tested in catalogues.test.ts.
    inEnglish(w);
    // A customer that reports stock it can live on waits: its email says so.
    const { id: holder } = w.service.db
      .prepare(
        `SELECT DISTINCT c.customer_id AS id FROM customers c JOIN demand_lines d ON d.customer_id = c.customer_id
         WHERE d.sku = ? AND c.stage = 'basic' AND c.critical = 0 ORDER BY c.customer_id LIMIT 1`,
      )
      .get(SHORT_SKU) as { id: string };
    await w.deps.crm.reportCustomerStock({ idempotencyKey: 'test|holder', customerId: holder, sku: SHORT_SKU, quantity: 10_000, dailyUsage: 10 });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const { incidentId } = await waitForState(handle, 'following-up');
      const plan = (await w.store.get<AllocationPlan>(incidentId, 'plan/0'))!;
      const snapshot = (await w.store.get<IncidentSnapshot>(incidentId, 'snapshot'))!;
      const linesOf = (customerId: string) => plan.lines.filter((l) => l.customerId === customerId);

      // Affected: something backordered, a substitute, or a confirmation taken back. The rest hear nothing.
      const affected = [...new Set(plan.lines.filter((l) => l.backordered > 0 || l.substituted > 0 || l.releasedConfirmation > 0).map((l) => l.customerId))].sort();
      expect(affected.length).toBeLessThan(new Set(plan.lines.map((l) => l.customerId)).size);
      expect(recipientsByNotice(w)['first-notice; revision=0']).toEqual(await addressesOf(w, affected));

      // Every line that gets nothing now says why, in a sentence.
      const orderOf = new Map(snapshot.lines.map((l) => [l.lineId, l.orderId]));
      const crm = await w.deps.crm.getCustomers(affected);
      const emailOf = (customerId: string) => w.sink.messages().find((m) => m.envelope.to[0] === noticeContact(crm.find((c) => c.customerId === customerId)!)!.email)!;
      let explained = 0;
      for (const customerId of affected) {
        for (const line of linesOf(customerId).filter((l) => l.allocated === 0)) {
          expect(emailOf(customerId).text).toMatch(new RegExp(`  \\* Order ${orderOf.get(line.lineId)}, line ${line.lineId}: [A-Z][^\\n]+\\.`));
          explained += 1;
        }
      }
      expect(explained).toBeGreaterThan(0);
      expect(linesOf(holder).some((l) => l.allocated === 0 && l.reasons.includes('deferred-holds-stock'))).toBe(true);
      expect(emailOf(holder).text).toContain('You told us you still hold stock of this product, so this line waits');

      // Whom to call: every account that gets nothing, lost confirmed stock or is critical, most affected first.
      const critical = new Set(crm.filter((c) => c.critical).map((c) => c.customerId));
      const impact = (customerId: string) => {
        const lines = linesOf(customerId);
        const nothing = lines.every((l) => l.allocated === 0 && l.substituted === 0);
        const released = lines.some((l) => l.releasedConfirmation > 0);
        return [nothing ? 1 : 0, released ? 1 : 0, critical.has(customerId) ? 1 : 0, lines.reduce((sum, l) => sum + l.backordered, 0)];
      };
      const ranked = (a: string, b: string) => {
        const [x, y] = [impact(a), impact(b)];
        const i = x.findIndex((value, k) => value !== y[k]);
        return i < 0 || x[i]! > y[i]!;
      };
      const digests = emailsOf(w, 'first-notice').filter(isDigest);
      expect(digests.length).toBeGreaterThan(0);
      let called = 0;
      for (const digest of digests) {
        const list = callList(digest.text!);
        const accounts = tableRows(digest.text!).map(customerOfRow);
        for (const customerId of accounts) {
          const [nothing, released, isCritical] = impact(customerId);
          if (nothing || released || isCritical) expect(list).toContain(customerId);
        }
        for (let i = 1; i < list.length; i++) expect(ranked(list[i - 1]!, list[i]!)).toBe(true);
        called += list.length;
      }
      expect(called).toBeGreaterThan(0);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });

});
