// Whole incidents on the time-skipping server, against the reference inventory/CRM service over HTTP and the
// SMTP sink: a bounce, a bad CRM record or wrong SMTP credentials hold up nobody and write nobody off.
import { describe, expect, it } from 'vitest';
import type { AllocationPlan } from '../../src/allocation/types';
import { isUndeliverableDetail, type MailSender } from '../../src/notifications/mailer';
import { cancelSignal, decidePlanUpdate, resumeSignal } from '../../workflows/definitions';
import { SHORT_SKU, manualTrigger, startIncident, waitForState } from '../incident/world';
import { activitiesWith, timeSkippingWorlds } from '../harness/incident-worlds';
import { FROM } from './fixtures';
import { NO_APPROVAL, APPROVAL, customersOfShortSku, editCustomer, editManager, communications, digestRow } from './incident-emails';
import { smtpFixtures } from './smtp-fixtures';
import { noticeContact } from '../../src/notifications/notices';

describe('notices of a whole incident: when delivery fails', () => {
  const worlds = timeSkippingWorlds();
  const smtp = smtpFixtures();

  it("the account manager's digest says which customer's email bounced, over real SMTP", async () => {
    let bounced = '';
    const w = await worlds.open({ rejectRecipients: (rcpt) => rcpt === bounced });
    const [customerId] = customersOfShortSku(w);
    const [customer] = await w.deps.crm.getCustomers([customerId!]);
    const [manager] = await w.deps.crm.getAccountManagers([customer!.accountManagerId]);
    // The digest's English wording is read below.
    editManager(w, manager!.accountManagerId, 'locale', 'en-GB');
    bounced = noticeContact(customer!)!.email;
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const state = await waitForState(handle, 'following-up');
      expect(state.deliveries[0]!.rejected).toBe(1);
      const entry = (await communications(w, state.incidentId)).find((c) => c.customerId === customerId)!;
      expect(entry).toMatchObject({ outcome: 'rejected', recipient: bounced });
      expect(entry.detail).toMatch(/^550 /);

      const digest = w.sink.messages().find((m) => m.envelope.to[0] === manager!.email)!;
      expect(digestRow(digest.text!, customerId!)).toMatch(/, Customer email: bounced, please call$/);
      expect(digest.html).toContain('bounced, please call');
      const others = digest.text!.split(/\r?\n/).filter((line) => line.startsWith('  * Customer: ') && !line.includes(`(${customerId}), `));
      for (const row of others) expect(row).toMatch(/, Customer email: sent$/);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });

  it('one bad CRM record holds up nobody: locale, zone and name fall back; a customer without a usable address is logged and its manager asked to call', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      // The records are edited while the plan awaits approval, for customers it backorders: those are told.
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), APPROVAL);
      const pending = await waitForState(handle, 'awaiting-approval');
      const plan = (await w.store.get<AllocationPlan>(pending.incidentId, pending.plan!.planRef))!;
      const [posix, windowsZone, noContact, overlongAddress, french] = [...new Set(plan.lines.filter((l) => l.backordered > 0).map((l) => l.customerId))].sort();
      editCustomer(w, posix!, 'locale', 'en_US');
      editCustomer(w, windowsZone!, 'time_zone', 'Eastern Standard Time');
      editCustomer(w, windowsZone!, 'name', `Very Long Name ${'x'.repeat(300)}`);
      editCustomer(w, windowsZone!, 'locale', 'en-GB');
      // The greeting names the contact person: an overlong one from the CRM is shortened too.
      editCustomer(w, windowsZone!, 'contacts', JSON.stringify([{ name: `Very Long Name ${'x'.repeat(300)}`, email: 'win@customer.example' }]));
      editCustomer(w, noContact!, 'contacts', '[]');
      editCustomer(w, overlongAddress!, 'contacts', JSON.stringify([{ name: 'Long', email: `${'a'.repeat(250)}@customer.example` }]));
      editCustomer(w, french!, 'locale', 'fr-FR');
      editCustomer(w, french!, 'time_zone', 'Europe/Paris');
      const [posixCustomer, windowsCustomer, noContactCustomer, , frenchCustomer] = await w.deps.crm.getCustomers([posix!, windowsZone!, noContact!, overlongAddress!, french!]);
      const [manager] = await w.deps.crm.getAccountManagers([noContactCustomer!.accountManagerId]);
      editManager(w, manager!.accountManagerId, 'locale', 'en-GB');
      await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: pending.plan!.revision, decidedBy: 'ann', overrides: [] }] });

      const state = await waitForState(handle, 'following-up');
      expect(state.attention).toBeNull();
      expect(state.timeline.some((t) => t.event === 'needs attention')).toBe(false);
      expect(state.deliveries[0]!.rejected).toBe(2);

      const emailTo = (address: string) => w.sink.messages().find((m) => m.envelope.to[0] === address);
      const posixEmail = emailTo(noticeContact(posixCustomer!)!.email)!;
      expect(posixEmail.html).toContain('<html lang="en-US">');
      expect(posixEmail.text).toMatch(/[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}/); // en-US: weekday, month day, year
      // The text is French, so are its dates (in the customer's zone) and the HTML's language.
      const frenchEmail = emailTo(noticeContact(frenchCustomer!)!.email)!;
      expect(frenchEmail.text).toMatch(/Prévu le: (lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} [a-zéû]+ \d{4}/);
      expect(frenchEmail.text).not.toMatch(/(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day/);
      expect(frenchEmail.text).toContain('Les dates sont données dans le fuseau Europe/Paris.');
      expect(frenchEmail.html).toContain('<html lang="fr-FR">');
      const windowsEmail = emailTo(noticeContact(windowsCustomer!)!.email)!;
      expect(windowsEmail.text).toContain('Dates are given in UTC time.');
      const greeting = windowsEmail.text!.split(/\r?\n/).find((line) => line.startsWith('Dear '))!;
      expect(greeting).toMatch(/^Dear Very Long Name x+…,$/);
      expect(greeting.length).toBeLessThanOrEqual('Dear ,'.length + 200);
      expect(w.sink.messages().some((m) => m.envelope.to[0]!.startsWith('aaaa'))).toBe(false);

      const logged = await communications(w, state.incidentId);
      for (const id of [noContact!, overlongAddress!]) {
        const entry = logged.find((c) => c.customerId === id)!;
        expect(entry).toMatchObject({ outcome: 'rejected', recipient: `customer:${id}`, kind: 'first-notice' });
        expect(isUndeliverableDetail(entry.detail)).toBe(true);
      }
      const digest = w.sink.messages().find((m) => m.envelope.to[0] === manager!.email)!;
      expect(digestRow(digest.text!, noContact!)).toMatch(/, Customer email: no usable email address in the CRM, please call$/);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });

  it('wrong SMTP credentials park the incident at once with the reason, write nobody off, and a resume after the fix sends everything', async () => {
    const sink = await smtp.sink({ auth: { user: 'desk', pass: 'right' } });
    const mail = { transport: smtp.transportTo(sink, { user: 'desk', pass: 'wrong' }) as MailSender, from: FROM, plannerEmail: 'planners@example.com' };
    const w = await worlds.open({ workerActivities: activitiesWith({ deps: { mail } }) });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'notifying' });
      expect(parked.attention!.reason).toMatch(/^SmtpConfiguration: .*535 .*SMTP_PASS/);
      expect(await communications(w, parked.incidentId)).toEqual([]);
      expect(sink.messages()).toHaveLength(0);

      mail.transport = smtp.transportTo(sink, { user: 'desk', pass: 'right' });
      await handle.signal(resumeSignal, { resumedBy: 'ops', note: 'SMTP password fixed' });
      const resumed = await waitForState(handle, 'following-up');
      const delivery = resumed.deliveries[0]!;
      expect(delivery.rejected).toBe(0);
      expect(delivery.sent).toBeGreaterThan(0);
      expect(sink.messages()).toHaveLength(delivery.sent + delivery.digests);
      expect((await communications(w, resumed.incidentId)).every((c) => c.outcome === 'sent')).toBe(true);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });
});
