// The CRM contract over real HTTP against the reference service: customers and account managers in
// batches, the communications log the mailer relies on, credits and reported stock, all idempotent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmSystem } from '../../src/crm/system';
import { REJECTED } from '../../src/http/errors';
import type { CommunicationLog } from '../../src/notifications/communication-log';
import type { ReferenceService } from '../../src/reference-service/service';
import { failureOf, post, startWithClients, tinyDataset } from '../reference-service/fixture';

let service: ReferenceService;
let crm: CrmSystem;

beforeEach(async () => {
  ({ service, crm } = await startWithClients());
});
afterEach(async () => {
  await service.close();
});

describe('customers and account managers', () => {
  it('answers customers in the order asked, with what they reported', async () => {
    const [c2, c1] = await crm.getCustomers(['C2', 'C1', 'C2']);
    expect(c2).toMatchObject({ customerId: 'C2', stage: 'basic', critical: false, acceptsPartial: false, locale: null, reportedStock: [] });
    expect(c1).toMatchObject({
      customerId: 'C1',
      name: 'Alpine Care <Clinics> & Co',
      stage: 'integrated',
      critical: true,
      contacts: [{ name: 'Anna Berg', email: 'anna@c1.example' }],
      accountManagerId: 'AM-1',
      reportedStock: [{ sku: 'A', quantity: 12, dailyUsage: 3 }],
    });
  });

  it("takes a company's own relationship stages: the policy, not the contract, says what a stage means", async () => {
    const dataset = tinyDataset();
    dataset.customers[1]!.stage = 'strategic-partner';
    const own = await startWithClients({ dataset });
    try {
      const [c2] = await own.crm.getCustomers(['C2']);
      expect(c2!.stage).toBe('strategic-partner');
    } finally {
      await own.service.close();
    }
  });

  it('refuses unknown ids by name and more than 500 per call by field', async () => {
    const unknown = await failureOf(crm.getCustomers(['C1', 'C9', 'C8']));
    expect(unknown).toMatchObject({ type: REJECTED, nonRetryable: true });
    expect(unknown.message).toContain('unknown customer ids: C9, C8');
    const tooMany = await post(service.crmUrl, '/customers/lookup', { customerIds: Array.from({ length: 501 }, (_, i) => `C${i}`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues?.map((i) => i.path)).toEqual(['body.customerIds']);
  });

  it('lists the accounts each manager owns', async () => {
    expect(await crm.getAccountManagers(['AM-1'])).toEqual([
      { accountManagerId: 'AM-1', name: 'Clara Dubois', email: 'clara@supplier.example', accountIds: ['C1', 'C2'] },
    ]);
  });

  it("returns a manager's locale and time zone as loaded, and none for a manager the CRM keeps none for", async () => {
    const dataset = tinyDataset();
    dataset.accountManagers = [
      { ...dataset.accountManagers[0]!, locale: 'de-DE', timeZone: 'Europe/Berlin' },
      { accountManagerId: 'AM-2', name: 'Dana Olsen', email: 'dana@supplier.example', accountIds: [] },
    ];
    const own = await startWithClients({ dataset });
    try {
      const [berlin, plain] = await own.crm.getAccountManagers(['AM-1', 'AM-2']);
      expect(berlin).toEqual({ accountManagerId: 'AM-1', name: 'Clara Dubois', email: 'clara@supplier.example', locale: 'de-DE', timeZone: 'Europe/Berlin', accountIds: ['C1', 'C2'] });
      expect(plain).toEqual({ accountManagerId: 'AM-2', name: 'Dana Olsen', email: 'dana@supplier.example', accountIds: [] });
    } finally {
      await own.service.close();
    }
  });
});

describe('communications', () => {
  const entry = (key: string, messageId: string, outcome: 'sent' | 'rejected' | 'failed', incidentId = 'INC-1') => ({
    idempotencyKey: key,
    incidentId,
    recipient: 'anna@c1.example',
    customerId: 'C1',
    kind: 'initial',
    messageId,
    outcome,
  });

  it('is the mailer’s communication log: found by Message-ID, latest first, null when never logged', async () => {
    const log: CommunicationLog = crm;
    expect(await crm.findCommunication('<m1@desk>')).toBeNull();
    expect(await log.findCommunications(['<m1@desk>'])).toEqual([null]);
    await crm.recordCommunication(entry('k1', '<m1@desk>', 'failed'));
    const sent = await crm.recordCommunication(entry('k2', '<m1@desk>', 'sent'));
    expect(await crm.findCommunication('<m1@desk>')).toEqual(sent);
    // A batch's messages in one lookup, in the order asked, null for the one never logged.
    const other = await crm.recordCommunication(entry('k3', '<m3@desk>', 'rejected'));
    expect(await log.findCommunications(['<m3@desk>', '<m2@desk>', '<m1@desk>'])).toEqual([other, null, sent]);
  });

  it('refuses a lookup of no Message-IDs or of more than 500, naming the field', async () => {
    for (const messageIds of [[], Array.from({ length: 501 }, (_, i) => `<m${i}@desk>`)]) {
      const refused = await post(service.crmUrl, '/communications/by-message-id/lookup', { messageIds });
      expect(refused.status).toBe(400);
      expect(refused.body.issues?.map((i) => i.path)).toEqual(['body.messageIds']);
    }
    const blank = await post(service.crmUrl, '/communications/by-message-id/lookup', { messageIds: ['<m1@desk>', ''] });
    expect(blank.body.issues?.map((i) => i.path)).toEqual(['body.messageIds.1']);
  });

  it('records once per key and refuses the key with another body', async () => {
    const first = await crm.recordCommunication(entry('k1', '<m1@desk>', 'sent'));
    expect(await crm.recordCommunication(entry('k1', '<m1@desk>', 'sent'))).toEqual(first);
    const conflict = await failureOf(crm.recordCommunication(entry('k1', '<m1@desk>', 'rejected')));
    expect(conflict.message).toMatch(/409.*idempotency key "k1" was already used for a different recordCommunication request/);
    expect((await crm.listCommunications({ incidentId: 'INC-1', limit: 10 })).communications).toEqual([first]);
  });

  it('refuses an entry for a customer or account manager it does not know, naming it, and logs nothing', async () => {
    const unknownManager = await failureOf(crm.recordCommunication({ ...entry('k1', '<m1@desk>', 'sent'), customerId: undefined, accountManagerId: 'AM-9' }));
    expect(unknownManager.message).toMatch(/404.*unknown account manager ids: AM-9/);
    const unknownCustomer = await failureOf(crm.recordCommunication({ ...entry('k2', '<m2@desk>', 'sent'), customerId: 'C9' }));
    expect(unknownCustomer.message).toMatch(/404.*unknown customer "C9"/);
    expect((await crm.listCommunications({ incidentId: 'INC-1', limit: 10 })).communications).toEqual([]);
  });

  it('logs a batch of communications in one request, each once per its key, the same as one by one', async () => {
    const alone = await crm.recordCommunication(entry('k1', '<m1@desk>', 'sent'));
    const batch = await crm.recordCommunications({ items: [entry('k1', '<m1@desk>', 'sent'), entry('k2', '<m2@desk>', 'rejected')] });
    expect(batch[0]).toEqual(alone);
    expect(batch[1]).toMatchObject({ messageId: '<m2@desk>', outcome: 'rejected', incidentId: 'INC-1' });
    expect(await crm.recordCommunications({ items: [entry('k2', '<m2@desk>', 'rejected')] })).toEqual([batch[1]]);
    expect((await crm.listCommunications({ incidentId: 'INC-1', limit: 10 })).communications).toEqual(batch);
    const conflict = await failureOf(crm.recordCommunications({ items: [entry('k2', '<m2@desk>', 'sent')] }));
    expect(conflict.message).toMatch(/409.*items\.0 \(k2\).*idempotency key "k2" was already used for a different recordCommunication request/);
  });

  it('refuses a batch with an unknown customer, naming the item, and logs none of it; and more than 500, naming the field', async () => {
    const unknown = await failureOf(crm.recordCommunications({ items: [entry('k1', '<m1@desk>', 'sent'), { ...entry('k2', '<m2@desk>', 'sent'), customerId: 'C9' }] }));
    expect(unknown.message).toMatch(/404.*items\.1 \(k2\): unknown customer "C9"/);
    expect((await crm.listCommunications({ incidentId: 'INC-1', limit: 10 })).communications).toEqual([]);
    const tooMany = await post(service.crmUrl, '/communications/batch', { items: Array.from({ length: 501 }, (_, i) => entry(`k${i}`, `<m${i}@desk>`, 'sent')) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues?.map((i) => i.path)).toEqual(['body.items']);
  });

  it('pages through an incident’s log in the order written, even while more is written', async () => {
    for (let i = 0; i < 5; i++) await crm.recordCommunication(entry(`k${i}`, `<m${i}@desk>`, 'sent'));
    await crm.recordCommunication(entry('other', '<x@desk>', 'sent', 'INC-2'));
    const first = await crm.listCommunications({ incidentId: 'INC-1', limit: 3 });
    await crm.recordCommunication(entry('k5', '<m5@desk>', 'sent'));
    const second = await crm.listCommunications({ incidentId: 'INC-1', limit: 3, cursor: first.nextCursor! });
    expect([...first.communications, ...second.communications].map((c) => c.messageId)).toEqual(['<m0@desk>', '<m1@desk>', '<m2@desk>', '<m3@desk>', '<m4@desk>', '<m5@desk>']);
    expect(second.nextCursor).toBeNull();
  });
});

describe('credits and reported stock', () => {
  it('grants a credit once per key', async () => {
    const request = { idempotencyKey: 'INC-1|credit|C1', incidentId: 'INC-1', customerId: 'C1', amount: 12.5, currency: 'EUR', reason: 'backordered units' };
    const credit = await crm.grantCredit(request);
    expect(await crm.grantCredit(request)).toEqual(credit);
    expect(await crm.listCredits({ incidentId: 'INC-1' })).toEqual([credit]);
    const unknown = await failureOf(crm.grantCredit({ ...request, idempotencyKey: 'x', customerId: 'C9' }));
    expect(unknown.message).toContain('unknown customer "C9"');
    const bad = await post(service.crmUrl, '/credits', { ...request, currency: 'euro', amount: 0 });
    expect(bad.body.issues?.map((i) => i.path).sort()).toEqual(['body.amount', 'body.currency']);
  });

  it('grants a batch of credits in one request, each once per its key, the same as one by one', async () => {
    const item = (customerId: string, amount: number) => ({ idempotencyKey: `INC-1|credit|${customerId}`, incidentId: 'INC-1', customerId, amount, currency: 'EUR', reason: 'backordered units' });
    const alone = await crm.grantCredit(item('C1', 12.5));
    const batch = await crm.grantCredits({ items: [item('C1', 12.5), item('C2', 3)] });
    expect(batch[0]).toEqual(alone);
    expect(batch[1]).toMatchObject({ customerId: 'C2', amount: 3, currency: 'EUR', incidentId: 'INC-1' });
    expect(await crm.grantCredits({ items: [item('C2', 3)] })).toEqual([batch[1]]);
    expect(await crm.listCredits({ incidentId: 'INC-1' })).toEqual(batch);
    const conflict = await failureOf(crm.grantCredits({ items: [item('C2', 4)] }));
    expect(conflict.message).toMatch(/409.*items\.0 \(INC-1\|credit\|C2\).*idempotency key "INC-1\|credit\|C2" was already used for a different grantCredit request/);
  });

  it('refuses a batch with an unknown customer, naming the item, and grants none of it', async () => {
    const item = (customerId: string) => ({ idempotencyKey: `INC-2|credit|${customerId}`, incidentId: 'INC-2', customerId, amount: 5, currency: 'EUR', reason: 'backordered units' });
    const unknown = await failureOf(crm.grantCredits({ items: [item('C1'), item('C9')] }));
    expect(unknown).toMatchObject({ type: REJECTED, nonRetryable: true });
    expect(unknown.message).toMatch(/404.*items\.1 \(INC-2\|credit\|C9\): unknown customer "C9"/);
    expect(await crm.listCredits({ incidentId: 'INC-2' })).toEqual([]);
  });

  it('refuses bad items and more than the batch limit of 500, naming the field', async () => {
    const item = { idempotencyKey: 'INC-3|credit|C1', incidentId: 'INC-3', customerId: 'C1', amount: 5, currency: 'EUR', reason: 'backordered units' };
    const bad = await post(service.crmUrl, '/credits/batch', { items: [item, { ...item, idempotencyKey: 'k2', currency: 'euro', amount: -1 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.issues?.map((i) => i.path).sort()).toEqual(['body.items.1.amount', 'body.items.1.currency']);
    const tooMany = await post(service.crmUrl, '/credits/batch', { items: Array.from({ length: 501 }, (_, i) => ({ ...item, idempotencyKey: `k${i}` })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues?.map((i) => i.path)).toEqual(['body.items']);
    const none = await post(service.crmUrl, '/credits/batch', { items: [] });
    expect(none.body.issues?.map((i) => i.path)).toEqual(['body.items']);
    expect(await crm.listCredits({ incidentId: 'INC-3' })).toEqual([]);
  });

  it('keeps the latest stock a customer reports, per SKU', async () => {
    await crm.reportCustomerStock({ idempotencyKey: 'r1', customerId: 'C2', sku: 'A', quantity: 40, dailyUsage: 4 });
    const latest = await crm.reportCustomerStock({ idempotencyKey: 'r2', customerId: 'C2', sku: 'A', quantity: 30, dailyUsage: 5 });
    const [c2] = await crm.getCustomers(['C2']);
    expect(c2?.reportedStock).toEqual([latest]);
  });
});
