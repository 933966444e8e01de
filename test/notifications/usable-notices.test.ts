// Emails a customer and an account manager can act on: written to the contact meant for supply notices and
// greeting them by name, the account manager named with email and phone and set as Reply-To, why an ETA moved,
// the credit kept at the close, the cancel answer drawn apart, one answer for all lines, pages that restate
// what is answered and say in the customer's words when a link is too late, and a reference a person can quote.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { answersOfLink, linesOf } from '../../src/answer-links';
import { buildApi } from '../../src/api/server';
import { composeNotices, type NoticeInputs } from '../../src/notifications/notices';
import { buildCustomerMessage, deliverBatch } from '../../src/notifications/mailer';
import { incidentReference, type AccountManagerDigest } from '../../src/notifications/model';
import { renderCustomerNotice, renderDigest } from '../../src/notifications/templates';
import { OperationError } from '../../src/operations/incident-operations';
import { referenceOf } from '../../activities/notifications';
import { openSqliteStore } from '../../src/incident-store/sqlite-store';
import { fakeOperations } from '../api/fake-operations';
import { answerLinks, FROM, SIGNED_AT as now, tokensIn, valveNoticeInputs, visibleHtml } from './fixtures';
import { smtpFixtures } from './smtp-fixtures';

const smtp = smtpFixtures();
function inputs(overrides: Partial<NoticeInputs> = {}): NoticeInputs {
  return {
    ...valveNoticeInputs({
      allocation: [
        { lineId: 'L-1', customerId: 'C-1', requested: 10, allocated: 4, substitutes: [], backordered: 6, releasedConfirmation: 0, reasons: ['pool-exhausted'] },
        { lineId: 'L-2', customerId: 'C-1', requested: 5, allocated: 0, substitutes: [], backordered: 5, releasedConfirmation: 0, reasons: ['pool-exhausted'] },
      ],
      orderLines: [
        { lineId: 'L-1', orderId: 'SO-0000058', customerId: 'C-1', quantity: 10, substitutesAllowed: true },
        { lineId: 'L-2', orderId: 'SO-0000059', customerId: 'C-1', quantity: 5, substitutesAllowed: true },
      ],
      customers: [
        {
          customerId: 'C-1',
          name: 'Acme Hospital',
          stage: 'integrated',
          critical: false,
          // Purchasing is listed first; the supply notices go to the second contact.
          contacts: [
            { name: 'Pat Purchasing', email: 'pat@acme.example', roles: ['purchasing'] },
            { name: 'Sam Supply', email: 'sam@acme.example', phone: '+49 30 5550 0011', roles: ['supply-notices'] },
          ],
          accountManagerId: 'AM-1',
          acceptsSubstitutes: true,
        },
      ],
      accountManagers: [{ accountManagerId: 'AM-1', name: 'Alex Manager', email: 'alex@supplier.example', phone: '+44 20 7946 0100' }],
      substitutes: [{ sku: 'VALVE-12B', description: 'Ball valve 12 mm, brass', priceDelta: 1.2, ratio: 1, packSize: 1, available: 40 }],
      credits: new Map([['C-1', 50]]),
    }),
    ...overrides,
  };
}

describe('who is written to, and whom they can answer', () => {
  it('goes to the contact for supply notices, greets them by name, names the account manager and replies to them', async () => {
    const { sink, transport, log } = await smtp.setup();
    const { notices, digests } = composeNotices(inputs());
    await deliverBatch(transport, log, notices.map((n) => buildCustomerMessage(n, FROM)));
    const [email] = sink.messages();
    expect(email!.envelope.to).toEqual(['sam@acme.example']);
    expect(email!.headers.find((h) => h.name.toLowerCase() === 'reply-to')?.value).toMatch(/Alex Manager.*<alex@supplier\.example>/);
    expect(email!.text).toContain('Dear Sam Supply,');
    expect(email!.text).toContain('it reaches your account manager, Alex Manager.');
    expect(email!.text).toContain('Email: alex@supplier.example');
    expect(email!.text).toContain('Phone: +44 20 7946 0100');
    // The digest gives the account manager whom to call at the customer, with the number.
    expect(digests[0]!.accounts[0]!.contact).toEqual({ name: 'Sam Supply', email: 'sam@acme.example', phone: '+49 30 5550 0011' });
  });

  it('quotes a reference a person can read, numbered per SKU, not the workflow id', async () => {
    const { text, subject } = renderCustomerNotice(composeNotices(inputs({ now: new Date('2026-11-24T09:15:00Z') })).notices[0]!);
    expect(text).toContain('Reference: INC-EU-VALVE-12-1, as of 24 November 2026 at 09:15.');
    expect(`${subject}\n${text}`).not.toContain('stockout:EU');
    const store = openSqliteStore(':memory:');
    expect(await referenceOf(store, 'stockout:EU:SKU-0042', 'stockout:EU:SKU-0042:aaaa1111')).toBe('INC-EU-SKU-0042-1');
    expect(await referenceOf(store, 'stockout:EU:SKU-0042', 'stockout:EU:SKU-0042:bbbb2222')).toBe('INC-EU-SKU-0042-2');
    // A retry or a later event of the first incident reads its own number again.
    expect(await referenceOf(store, 'stockout:EU:SKU-0042', 'stockout:EU:SKU-0042:aaaa1111')).toBe('INC-EU-SKU-0042-1');
    expect(incidentReference('stockout:US-W:SKU 9', 3)).toBe('INC-US-W-SKU-9-3');
  });
});

describe("the account manager's digest, in the manager's language and zone", () => {
  // Composed late on 8 December in UTC: already 9 December in Berlin.
  const late = new Date('2026-12-08T23:30:00Z');
  const digestFor = (manager: Partial<NoticeInputs['accountManagers'][number]>) => {
    const base = inputs();
    const allocation = base.allocation!.map((line) => (line.lineId === 'L-1' ? { ...line, requested: 2000, backordered: 1500 } : line));
    const composed = composeNotices({
      ...base,
      allocation,
      openBackorders: new Map([['L-1', 1500], ['L-2', 5]]),
      accountManagers: [{ ...base.accountManagers[0]!, ...manager }],
      now: late,
    });
    // As the store keeps it, then as the mailer renders it.
    return renderDigest(JSON.parse(JSON.stringify(composed.digests[0])) as AccountManagerDigest);
  };

  it('writes a German manager\'s digest in German, with dates, numbers and the footer in Europe/Berlin', () => {
    const { subject, text, html } = digestFor({ locale: 'de-DE', timeZone: 'Europe/Berlin' });
    expect(subject).toBe('[Engpass VALVE-12, Engpass] 1 Ihrer Kunden betroffen');
    expect(text).toContain('Hallo Alex Manager,');
    expect(text).toContain('1.505');
    expect(text).toContain('Donnerstag, 10. Dezember 2026');
    expect(text).toContain('Referenz: INC-EU-VALVE-12-1, Stand: 9. Dezember 2026 um 00:30 (Zeitzone Europe/Berlin).');
    expect(html).toContain('<html lang="de-DE"');
  });

  it('writes English and UTC for a manager the CRM keeps no locale or zone for', () => {
    const { text } = digestFor({ locale: null, timeZone: null });
    expect(text).toContain('Hello Alex Manager,');
    expect(text).toContain('1,505');
    expect(text).toContain('Reference: INC-EU-VALVE-12-1, as of 8 December 2026 at 23:30 (UTC time).');
  });
});

describe('what the notices say', () => {
  it('tells why an ETA slipped', () => {
    const eta = composeNotices(
      inputs({ kind: 'eta-change', revision: 1, allocation: null, previousExpectedDate: '2026-12-10', expectedDate: '2026-12-20', etaReason: 'the vessel was held in port by a strike.' }),
    );
    const { text } = renderCustomerNotice(eta.notices[0]!);
    expect(text).toContain('has changed from Thursday, 10 December 2026 to Sunday, 20 December 2026. Why it moved: the vessel was held in port by a strike.');
  });

  it('says at the close that the promised credit is kept, and promises none when the shortage was called off', () => {
    const closing = (kind: 'incident-closed' | 'incident-cancelled') =>
      renderCustomerNotice(composeNotices(inputs({ kind, revision: 3, allocation: null, previouslyNotified: new Set(['C-1']), totals: new Map() })).notices[0]!).text;
    expect(closing('incident-closed')).toContain('As promised, your account is credited with €50.00 for the inconvenience.');
    expect(closing('incident-cancelled')).not.toContain('€50.00');
  });

  it('says when an update was issued: when it was composed, stored with it, so a later rendering reads the same', () => {
    const composedAt = new Date('2026-12-08T13:05:00Z');
    const composed = composeNotices(inputs({ kind: 'backorder-shipped', revision: 1_000_001, now: composedAt }));
    expect(composed.notices.map((n) => n.issuedAt)).toEqual(['2026-12-08T13:05:00.000Z']);
    expect(composed.digests.map((d) => d.issuedAt)).toEqual(['2026-12-08T13:05:00.000Z']);
    // As the store keeps it (JSON), rendered for the first send and for a resend.
    const stored = JSON.parse(JSON.stringify(composed.notices[0])) as (typeof composed.notices)[number];
    const sent = renderCustomerNotice(stored);
    expect(sent.text).toContain('Reference: INC-EU-VALVE-12-1, as of 8 December 2026 at 13:05.');
    expect(sent.text).not.toContain('1000001');
    expect(renderCustomerNotice(stored)).toEqual(sent);
  });

  it('draws the cancel answer apart from those that keep the order, outlined in red and never filled', () => {
    const { html } = renderCustomerNotice(composeNotices(inputs()).notices[0]!);
    const buttons = [...html.matchAll(/<a class="button"[^>]*style="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => ({ style: m[1]!, label: m[2]! }));
    const cancel = buttons.filter((b) => b.label.startsWith('Cancel'));
    const keeping = buttons.filter((b) => !b.label.startsWith('Cancel'));
    expect(cancel.length).toBeGreaterThan(0);
    for (const b of cancel) expect(b.style).toContain('background:#ffffff;color:#b91c1c;border:2px solid #b91c1c');
    for (const b of keeping) expect(b.style).toContain('background:#1d4ed8');
    // In its own paragraph, after the answers that keep the order.
    expect(html).toMatch(/I can wait for all lines<\/a><\/p>\n<p[^>]*><a class="button"[^>]*>Cancel all backordered quantities/);
  });

  it('keeps ids and dates on one line in the HTML', () => {
    const { html } = renderCustomerNotice(composeNotices(inputs()).notices[0]!);
    expect(html).toContain('<span style="white-space:nowrap;">SO-0000058</span>');
    // A date may wrap after its weekday and before its year, nowhere else.
    expect(html).toContain('Thursday, <span style="white-space:nowrap;">10 December</span> 2026');
    expect(html).not.toMatch(/[\uE000\uE001]/);
  });
});

describe('one answer for all lines', () => {
  it('offers a signed link per answer covering every backordered line, which records one answer per line', () => {
    const [notice] = composeNotices(inputs()).notices;
    const { text } = renderCustomerNotice(notice!);
    expect(text).toContain('One answer for all your backordered lines');
    const forAll = notice!.allLines!;
    expect(Object.keys(forAll).sort()).toEqual(['acceptSubstitute', 'canWait', 'cancel']);
    const claims = answerLinks.verify(tokensIn(forAll.cancel!)[0]!, now);
    expect(linesOf(claims)).toEqual(['L-1', 'L-2']);
    const answers = answersOfLink(claims, 'link:abc', {});
    expect(answers.map((a) => [a.lineId, a.answer, a.answerId])).toEqual([
      ['L-1', 'cancel', 'link:abc:L-1'],
      ['L-2', 'cancel', 'link:abc:L-2'],
    ]);
    // One line alone has no separate all-lines link.
    const single = composeNotices(inputs({ allocation: inputs().allocation!.slice(0, 1) })).notices[0]!;
    expect(single.allLines).toBeUndefined();
  });
});

describe('the pages behind the links', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  async function serve(operations = fakeOperations()) {
    ({ app } = buildApi({ config: { API_TOKEN: 'operator-token-operator-token' }, answerLinks, operations: operations.operations }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    return (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init);
  }
  const post = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' };
  const substituteLink = () => {
    const notice = composeNotices(inputs({ allocation: inputs().allocation!.slice(0, 1) })).notices[0]!;
    return notice.lines[0]!.answers!.acceptSubstitute!;
  };

  it('the confirmation page restates the product, the quantity and the price difference', async () => {
    const request = await serve();
    const html = visibleHtml(await (await request(new URL(substituteLink()).pathname)).text());
    expect(html).toContain('Product: VALVE-12 (Ball valve 12 mm)');
    expect(html).toContain('Order SO-0000058, line L-1: 6 backordered; instead: 6 × VALVE-12B, price difference +€1.20 per unit, +€7.20 in total');
  });

  it('an answer for all lines records each line once', async () => {
    const fake = fakeOperations();
    const request = await serve(fake);
    const link = composeNotices(inputs()).notices[0]!.allLines!.canWait!;
    const page = await (await request(new URL(link).pathname, post)).text();
    expect(page).toContain('for these order lines:');
    expect(fake.calls.map((c) => (c.args[1] as { lineId: string }).lineId)).toEqual(['L-1', 'L-2']);
  });

  it('a link used after the incident closed is answered in the customer words, not the incident state', async () => {
    const closed = new OperationError('rejected', 'incident stockout:EU:VALVE-12 is completed: it takes no more commands');
    const request = await serve(fakeOperations({ failWith: closed }));
    const response = await request(new URL(substituteLink()).pathname, post);
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain('This shortage is over, or these order lines no longer wait for stock');
    expect(html).not.toMatch(/takes no more commands|stockout:EU/);
  });
});
