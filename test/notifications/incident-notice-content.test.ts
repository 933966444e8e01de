// Whole incidents on the time-skipping server, against the reference inventory/CRM service over HTTP and the
// SMTP sink: what the emails say matches what the inventory system records (totals, what shipped so far, offers).
import { describe, expect, it } from 'vitest';
import type { AllocationPlan } from '../../src/allocation/types';
import type { IncidentSnapshot } from '../../activities/shared';
import { cancelSignal, changeEtaUpdate, customerAnswerUpdate, recordRestockUpdate } from '../../workflows/definitions';
import { SHORT_SKU, dateAhead, manualTrigger, settledState, startIncident, waitForState } from '../incident/world';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { NO_APPROVAL, isDigest, hasCallFirst, emailsOf, tableRows, units, customerOfRow, orderBook, inEnglish } from './incident-emails';

describe('notices of a whole incident: what they say', () => {
  const worlds = timeSkippingWorlds();

  it('the closing notice and digest show how each line was served, as the inventory system records it; an ETA-change digest what shipped so far', async () => {
    const w = await worlds.open();
    const before = orderBook(w);
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const following = await waitForState(handle, 'following-up');
      const { incidentId } = following;
      const snapshot = (await w.store.get<IncidentSnapshot>(incidentId, 'snapshot'))!;
      const plan = (await w.store.get<AllocationPlan>(incidentId, 'plan/0'))!;
      /** Units of the SKU itself a line got in the incident: what it holds or shipped now, less what had shipped before. */
      const ownUnits = (book: ReturnType<typeof orderBook>, lineId: string) => book.get(lineId)!.reserved + book.get(lineId)!.shipped - before.get(lineId)!.shipped;

      // An ETA change: the digest says what shipped so far, not "ships now".
      const po = (await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.status === 'open')!;
      await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: await dateAhead(w.env, 45), reason: 'supplier delay' }] });
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'eta-change'));
      const atEta = orderBook(w);
      const etaDigests = emailsOf(w, 'eta-change').filter(isDigest);
      expect(etaDigests.length).toBeGreaterThan(0);
      for (const digest of etaDigests) {
        expect(hasCallFirst(digest.text!)).toBe(false);
        for (const row of tableRows(digest.text!)) {
          expect(row['Ships now']).toBeUndefined();
          const customerId = customerOfRow(row);
          const shipped = snapshot.lines.filter((l) => l.customerId === customerId).reduce((sum, l) => sum + ownUnits(atEta, l.lineId), 0);
          expect(units(row['Shipped so far'])).toBe(shipped);
        }
      }

      // One customer takes a substitute, another cancels, the restock serves the rest.
      const open = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const accepting = new Set((await w.deps.crm.getCustomers([...new Set(open.map((b) => b.customerId))])).filter((c) => c.acceptsSubstitutes).map((c) => c.customerId));
      const allowing = new Set(snapshot.lines.filter((l) => l.substitutesAllowed).map((l) => l.lineId));
      const toSubstitute = open.find((b) => accepting.has(b.customerId) && allowing.has(b.lineId))!;
      const toCancel = open.find((b) => b.customerId !== toSubstitute.customerId)!;
      const substitute = following.substitutes[0]!.sku;
      await w.deps.inventory.recordReceipt({ idempotencyKey: `${incidentId}|substitute-receipt`, sku: substitute, locationId: following.pooling!.hubId, quantity: 5000 });
      for (const [answer, b] of [['accept-substitute', toSubstitute], ['cancel', toCancel]] as const) {
        await handle.executeUpdate(customerAnswerUpdate, { args: [{ answer, answerId: `test-${answer}`, customerId: b.customerId, lineId: b.lineId, incidentId }] });
      }
      await waitForState(handle, 'following-up', (s) => s.answersApplied.length === 2 && s.pendingEvents === 0);
      const rest = (await settledState(handle)).backorders!.openUnits;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-ALL', quantity: rest }] });
      expect((await handle.result()).outcome).toBe('closed');

      const after = orderBook(w);
      const reservations = await w.deps.inventory.listReservations({ incidentId });
      const closing = emailsOf(w, 'incident-closed');
      const rows = closing.filter((m) => !isDigest(m)).flatMap((m) => tableRows(m.text!));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const lineId = row['Line']!;
        const atOnce = units(row['Shipped at once']);
        const restocks = units(row['Shipped from restocks']);
        const cancelled = units(row['Cancelled by you']);
        expect(row['Ships now']).toBeUndefined();
        expect(atOnce).toBe(plan.lines.find((l) => l.lineId === lineId)!.allocated);
        expect(atOnce + restocks).toBe(ownUnits(after, lineId));
        expect(cancelled).toBe(after.get(lineId)!.cancelled - before.get(lineId)!.cancelled);
        const substituteUnits = reservations.filter((r) => r.lineId === lineId && r.sku !== SHORT_SKU && r.status !== 'released').reduce((sum, r) => sum + r.quantity, 0);
        expect(units((row['Substituted'] ?? '').split(' × ')[0])).toBe(substituteUnits);
        // Every ordered unit is accounted for: shipped, replaced or cancelled.
        expect(atOnce + restocks + (after.get(lineId)!.covered - before.get(lineId)!.covered) + cancelled).toBe(units(row['Ordered']));
      }
      expect(rows.find((r) => r['Line'] === toSubstitute.lineId)!['Substituted']).toMatch(new RegExp(`^[\\d,]+ × ${substitute}$`));
      expect(units(rows.find((r) => r['Line'] === toCancel.lineId)!['Cancelled by you'])).toBe(toCancel.open);
      expect(rows.some((r) => units(r['Shipped from restocks']) > 0)).toBe(true);

      // The closing digest sums the same figures per account.
      for (const digest of closing.filter(isDigest)) {
        expect(hasCallFirst(digest.text!)).toBe(false);
        for (const row of tableRows(digest.text!)) {
          const lines = snapshot.lines.filter((l) => l.customerId === customerOfRow(row));
          expect(units(row['Shipped at once']) + units(row['Shipped from restocks'])).toBe(lines.reduce((sum, l) => sum + ownUnits(after, l.lineId), 0));
          expect(units(row['Cancelled by customer'])).toBe(lines.reduce((sum, l) => sum + after.get(l.lineId)!.cancelled - before.get(l.lineId)!.cancelled, 0));
        }
      }
    });
  });

  it('substitute stock that frees up is offered in the next status update, per line, and its accept link gets it', async () => {
    const w = await worlds.open();
    // This test reads the English wording; the customers' own languages are tested in catalogues.test.ts.
    inEnglish(w);
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const following = await waitForState(handle, 'following-up');
      const { incidentId } = following;
      const [substitute] = following.substitutes;
      // The plan gave out every free unit of the substitute: the first notice offers none it could not keep.
      const tokensOf = (kind: string) =>
        w.sink
          .messages()
          .filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith(`${kind};`)))
          .flatMap((m) => [...(m.text ?? '').matchAll(/\/answers\/([\w-]+\.[\w-]+)/g)].map((match) => ({ m, token: match[1]! })));
      // Each line's own accept link; the one answering for all lines of an email at once is counted apart.
      const accepts = (kind: string) =>
        tokensOf(kind).filter(({ token }) => {
          const claims = w.deps.answerLinks.verify(token, new Date());
          return claims.a === 'accept-substitute' && claims.m === undefined;
        });
      expect(accepts('first-notice')).toEqual([]);
      expect(tokensOf('first-notice').length).toBeGreaterThan(0); // cancel and can-wait, per backordered line

      await w.deps.inventory.recordReceipt({ idempotencyKey: `${incidentId}|substitute-receipt`, sku: substitute!.sku, locationId: following.pooling!.hubId, quantity: 5000 });
      await w.env.sleep('73 hours');
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'status-update'));
      const offered = accepts('status-update');
      expect(offered.length).toBeGreaterThan(0);
      const open = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const accepting = new Set((await w.deps.crm.getCustomers([...new Set(open.map((b) => b.customerId))])).filter((c) => c.acceptsSubstitutes).map((c) => c.customerId));
      const allowing = new Set((await w.store.get<IncidentSnapshot>(incidentId, 'snapshot'))!.lines.filter((l) => l.substitutesAllowed).map((l) => l.lineId));
      // The offer names the substitute as the catalogue describes it, with the price difference for the whole quantity.
      const { description } = await w.deps.inventory.getItem(substitute!.sku);
      expect(description).not.toBe('');
      for (const { m } of offered) {
        expect(m.text).toContain(` × ${substitute!.sku} (${description}). Price difference: `);
        expect(m.text).toMatch(/ per unit, .+ in total for (1 unit|\S+ units)\./);
      }
      for (const { m, token } of offered) {
        const claims = w.deps.answerLinks.verify(token, new Date());
        expect(claims).toMatchObject({ w: handle.workflowId, i: incidentId });
        expect(accepting.has(claims.c)).toBe(true);
        expect(allowing.has(claims.l)).toBe(true);
        expect(open.some((b) => b.lineId === claims.l && b.customerId === claims.c)).toBe(true);
        expect(m.html).toContain(`/answers/${token}"`);
      }
      // Every open line of an accepting customer that allows substitutes got its offer, and no other line.
      expect(offered.length).toBe(new Set(open.filter((b) => accepting.has(b.customerId) && allowing.has(b.lineId)).map((b) => b.lineId)).size);

      const claims = w.deps.answerLinks.verify(offered[0]!.token, new Date());
      await handle.executeUpdate(customerAnswerUpdate, {
        args: [{ answer: 'accept-substitute', answerId: 'link-1', customerId: claims.c, lineId: claims.l, incidentId: claims.i }],
      });
      const answered = await waitForState(handle, 'following-up', (s) => s.answersApplied.includes('link-1') && s.pendingEvents === 0);
      expect(answered.timeline.find((t) => t.event === 'customer answer: accept-substitute')!.detail).toMatch(/^substituted \d+ units of line /);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });
});
