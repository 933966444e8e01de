import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { buildCustomerMessage } from '../../src/notifications/mailer';
import { messageRevision } from '../../src/notifications/message-revisions';
import { NOTICE_KIND_NAMES, messageIdFor, type AccountManagerDigest, type CustomerNotice, type NoticeLine } from '../../src/notifications/model';
import { renderCustomerNotice, renderDigest } from '../../src/notifications/templates';
import { cellTexts, customerNotice, digest, FROM, visibleHtml } from './fixtures';

function zodPaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ZodError) return [...new Set(error.issues.map((issue) => issue.path.join('.')))];
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('customer notice templates', () => {
  it('first notice says what ships, what waits until when, the substitute with its links, and the credit', () => {
    const { subject, text, html } = renderCustomerNotice(customerNotice());
    expect(subject).toBe('Stock shortage on VALVE-12: what it means for your order');
    for (const body of [text, visibleHtml(html)]) {
      expect(body).toContain('Wednesday, 5 March 2025'); // ship date of what ships now
      expect(body).toContain('Monday, 24 March 2025'); // expected date of the backorder
      expect(body).toContain('VALVE-12B (Ball valve 12 mm, brass)');
      expect(body).toContain('+€1.20');
      expect(body).toContain('€50.00');
    }
    expect(text).toContain('Order: SO-1001, Line: 1, Ordered: 10, Ships now: 6, Ship date: Wednesday, 5 March 2025, Backordered: 4');
    expect(html).toContain('href="https://portal.example/answer/l1?choice=cancel"');
    expect(html).toContain('href="https://portal.example/answer/l3?choice=wait"');
  });

  it('states a rationed share as what ships now, then each period until the delivery, and a re-plan from when the periods to come begin', () => {
    const now = renderCustomerNotice(customerNotice({ ration: { now: 120, then: 80, everyDays: 7, until: '2025-03-24' } }));
    const replanned = renderCustomerNotice(customerNotice({ kind: 'ration-change', ration: { then: 40, everyDays: 7, from: '2025-03-12', until: '2025-03-31' } }));
    for (const body of [now.text, visibleHtml(now.html)]) {
      expect(body).toContain('120 ship now, then 80 every 7 days until the delivery expected on Monday, 24 March 2025.');
    }
    expect(replanned.subject).toBe('New delivery schedule for your VALVE-12');
    expect(replanned.text).toContain('From Wednesday, 12 March 2025, 40 ship every 7 days until the delivery expected on Monday, 31 March 2025.');
    expect(renderCustomerNotice(customerNotice()).text).not.toContain('ship now, then');
  });

  it('says one unit in the singular, in the offer and on the call list', () => {
    const notice = customerNotice();
    const line = { ...notice.lines[1]!, backordered: 1, requested: 1, substitute: { ...notice.lines[1]!.substitute!, quantity: 1 } };
    expect(renderCustomerNotice({ ...notice, lines: [line] }).text).toContain('Price difference: +€1.20 per unit, +€1.20 in total for 1 unit.');
    const german = renderCustomerNotice({ ...notice, lines: [line], customer: { ...notice.customer, locale: 'de-DE' } }).text;
    expect(german).toContain('insgesamt für 1 Stück.');
    const { text } = renderDigest(digest({ accounts: [{ ...digest().accounts[0]!, confirmationReleased: 1 }] }));
    expect(text).toContain('1 confirmed unit taken back');
  });

  it("puts each backordered line's own links beside it, the accept link beside the line whose substitute it accepts", () => {
    const { text, html } = renderCustomerNotice(customerNotice());
    expect(text).toContain(
      [
        'Order SO-1001, line 1: 4 backordered.',
        '',
        '  > I have stock on hand and can wait: https://portal.example/answer/l1?choice=wait',
        '  > Cancel the backordered quantity: https://portal.example/answer/l1?choice=cancel',
        '',
        'Order SO-1002, line 3: 5 backordered. An equivalent product is available instead of waiting, while its stock lasts: ' +
          '5 × VALVE-12B (Ball valve 12 mm, brass). Price difference: +€1.20 per unit, +€6.00 in total for 5 units.',
        '',
        '  > Accept VALVE-12B instead: https://portal.example/answer/l3?choice=substitute',
      ].join('\n'),
    );
    expect(html).toMatch(/line 3: 5 backordered\.(?:[^<]|<\/?span[^>]*>)*<\/p>\n<p [^>]*><a [^>]*href="https:\/\/portal\.example\/answer\/l3\?choice=substitute"/);
    // A single backordered line with an offer gets its accept link too.
    const [, only] = customerNotice().lines;
    const single = renderCustomerNotice(customerNotice({ lines: [only!] }));
    expect(single.text).toContain('Accept VALVE-12B instead: https://portal.example/answer/l3?choice=substitute');
    expect(single.html).toContain('href="https://portal.example/answer/l3?choice=substitute"');
  });

  it('shows the substitute units the allocation ships now', () => {
    const lines: CustomerNotice['lines'] = [
      { orderId: 'SO-7', lineId: '2', requested: 10, shipNow: 4, substituted: [{ sku: 'VALVE-12B', quantity: 3 }], backordered: 3, expectedDate: '2025-03-24' },
    ];
    const { text } = renderCustomerNotice(customerNotice({ lines }));
    expect(text).toContain('Ships now: 4, Substitute shipping now: 3 × VALVE-12B, Backordered: 3');
    expect(renderCustomerNotice(customerNotice()).text).not.toContain('Substitute shipping now');
  });

  it('gives every kind its own subject and message', () => {
    const rendered = NOTICE_KIND_NAMES.map((kind) => renderCustomerNotice(customerNotice({ kind })));
    expect(new Set(rendered.map((r) => r.subject)).size).toBe(NOTICE_KIND_NAMES.length);
    const byKind = Object.fromEntries(NOTICE_KIND_NAMES.map((kind, i) => [kind, rendered[i]!.text]));
    expect(byKind['backorder-shipped']).toContain('has shipped');
    expect(byKind['status-update']).toContain('regular update');
    expect(byKind['incident-closed']).toContain('is over');
    expect(byKind['incident-cancelled']).toContain('no longer applies');
    // Substitute offers and answer links belong to notices the customer can still act on.
    expect(byKind['incident-closed']).not.toContain('Accept VALVE-12B');
    expect(byKind['incident-closed']).not.toContain('Cancel the backordered quantity');
    expect(byKind['status-update']).toContain('Cancel the backordered quantity');
  });

  it('an ETA change names the old and the new date', () => {
    const { text } = renderCustomerNotice(customerNotice({ kind: 'eta-change', revision: 2, previousExpectedDate: '2025-03-17' }));
    expect(text).toContain('has changed from Monday, 17 March 2025 to Monday, 24 March 2025.');
  });

  it('reads an unknown locale or time zone as the default reader, a POSIX locale as its tag, and shortens overlong names', () => {
    const lines: CustomerNotice['lines'] = [
      { orderId: 'SO-1', lineId: '1', requested: 4, shipNow: 0, backordered: 4, expectedDate: '2025-03-10T23:30:00Z' },
    ];
    const posix = renderCustomerNotice(customerNotice({ lines, customer: { customerId: 'C-9', name: 'N', email: 'n@x.example', locale: 'en_US' } }));
    expect(posix.text).toContain('Expected: Monday, March 10, 2025');
    expect(posix.html).toContain('<html lang="en-US">');
    const windowsZone = customerNotice({
      lines,
      customer: { customerId: 'C-9', name: 'N', email: 'n@x.example', locale: 'no such locale!', timeZone: 'Eastern Standard Time' },
    });
    const fallback = renderCustomerNotice(windowsZone);
    expect(fallback.text).toContain('Expected: Monday, 10 March 2025');
    expect(fallback.text).toContain('Dates are given in UTC time.');
    expect(fallback.html).toContain('<html lang="en-GB">');

    // 199 letters then an emoji (two UTF-16 units) across the limit: cut before it, never inside it.
    const name = `${'A'.repeat(198)}😀${'B'.repeat(100)}`;
    const long = renderCustomerNotice(customerNotice({ customer: { customerId: 'C-9', name, email: 'n@x.example' } }));
    const greeting = long.text.split('\n').find((line) => line.startsWith('Dear '))!;
    expect(greeting).toBe(`Dear ${'A'.repeat(198)}…,`);
    expect(greeting).not.toMatch(/[\uD800-\uDFFF]/);
  });

  it('shows instants in the customer time zone and locale, calendar dates unshifted, en-GB/UTC by default', () => {
    const lines: CustomerNotice['lines'] = [
      { orderId: 'SO-1', lineId: '1', requested: 4, shipNow: 0, backordered: 4, expectedDate: '2025-03-10T23:30:00Z' },
    ];
    const tokyo = customerNotice({ lines, customer: { customerId: 'C-9', name: 'N', email: 'n@x.example', timeZone: 'Asia/Tokyo' } });
    expect(renderCustomerNotice(tokyo).text).toContain('Expected: Tuesday, 11 March 2025');
    expect(renderCustomerNotice(customerNotice({ lines })).text).toContain('Expected: Monday, 10 March 2025');
    const german = customerNotice({
      lines,
      customer: { customerId: 'C-9', name: 'N', email: 'n@x.example', locale: 'de-DE', timeZone: 'Europe/Berlin' },
    });
    expect(renderCustomerNotice(german).text).toContain('Erwartet: Dienstag, 11. März 2025'); // German text, Berlin's day
    const losAngeles = customerNotice({ customer: { customerId: 'C-9', name: 'N', email: 'n@x.example', timeZone: 'America/Los_Angeles' } });
    expect(renderCustomerNotice(losAngeles).text).toContain('Monday, 24 March 2025'); // '2025-03-24' stays that day
  });

  it('writes in the reader language where there is a catalogue, dates in the reader zone, money in the reader number style', () => {
    const lines: CustomerNotice['lines'] = [
      { orderId: 'SO-1', lineId: '1', requested: 4, shipNow: 0, backordered: 4, expectedDate: '2026-12-07T23:30:00Z' },
    ];
    const french = renderCustomerNotice(
      customerNotice({ lines, customer: { customerId: 'C-F', name: 'Lyon SA', email: 'achats@lyon.example', locale: 'fr-FR', timeZone: 'Europe/Paris' } }),
    );
    expect(french.text).toContain('Prévu le: mardi 8 décembre 2026'); // the instant falls on the 8th in Paris
    expect(french.text).not.toMatch(/Tuesday|December/);
    expect(french.text).toMatch(/créditerons votre compte de 50,00\s€/); // French number style for money
    expect(french.html).toContain('<html lang="fr-FR">');
    // A language without a catalogue reads English, with English dates and its own number style.
    const swedish = renderCustomerNotice(
      customerNotice({ lines, customer: { customerId: 'C-S', name: 'Uppsala AB', email: 'inkop@uppsala.example', locale: 'sv-SE', timeZone: 'Europe/Stockholm' } }),
    );
    expect(swedish.text).toContain('Expected: Tuesday, 8 December 2026');
    expect(swedish.text).toMatch(/credit your account with 50,00\s€/);
    expect(swedish.html).toContain('<html lang="en-GB">');
    const american = renderCustomerNotice(
      customerNotice({ lines, customer: { customerId: 'C-U', name: 'Ohio Inc', email: 'buy@ohio.example', locale: 'en-US', timeZone: 'America/New_York' } }),
    );
    expect(american.text).toContain('Expected: Monday, December 7, 2026');
    expect(american.html).toContain('<html lang="en-US">');
  });

  it('explains in one sentence why a line gets nothing now, from its reason codes', () => {
    const line = (lineId: string, reasons: NoticeLine['reasons']): NoticeLine => ({
      orderId: 'SO-5',
      lineId,
      requested: 10,
      shipNow: 0,
      backordered: 10,
      expectedDate: '2025-03-24',
      reasons,
    });
    const { text, html } = renderCustomerNotice(
      customerNotice({
        lines: [
          line('1', ['stage-priority', 'deferred-holds-stock', 'pool-exhausted']),
          line('2', ['all-or-nothing-skipped', 'pool-exhausted']),
          line('3', ['confirmation-released', 'pool-exhausted']),
          line('4', ['concentration-cap']),
          line('5', ['pool-exhausted']),
          { orderId: 'SO-5', lineId: '6', requested: 10, shipNow: 10, backordered: 0 },
        ],
      }),
    );
    expect(text).toContain('Why some lines get nothing now');
    expect(text).toContain('  * Order SO-5, line 1: You told us you still hold stock of this product, so this line waits while customers who have run out are served first.');
    expect(text).toContain('  * Order SO-5, line 2: This line must ship complete (no partial deliveries)');
    expect(text).toContain('  * Order SO-5, line 3: The stock we had confirmed for this line went back into the shared stock');
    expect(text).toContain('  * Order SO-5, line 4: No customer may take more than a set share of the scarce stock');
    expect(text).toContain('  * Order SO-5, line 5: The stock ran out before this line was reached');
    expect(text).not.toContain('Order SO-5, line 6:');
    expect(html).toMatch(/<li>Order (<span[^>]*>)?SO-5(<\/span>)?, line 2: This line must ship complete/);
    // A line that ships something, or a notice that is not about the allocation, has nothing to explain.
    expect(renderCustomerNotice(customerNotice()).text).not.toContain('Why some lines');
  });

  it('says that a link opens a page with a button, and promises no confirmation email', () => {
    const { text } = renderCustomerNotice(customerNotice());
    expect(text).toContain('it opens a page where you confirm your choice with a button');
    expect(text).toContain('our next email about this order shows the result');
    expect(text).not.toMatch(/one click/i);
  });

  it('the closing notice shows how each line was served over the incident, as columns in text and HTML', () => {
    const lines: CustomerNotice['lines'] = [
      {
        orderId: 'SO-64',
        lineId: 'L-127',
        requested: 400,
        shipNow: 0,
        backordered: 0,
        totals: { shippedAtOnce: 120, shippedFromRestocks: 230, substituted: [{ sku: 'SKU-0010', quantity: 17 }], cancelled: 33 },
      },
      { orderId: 'SO-114', lineId: 'L-230', requested: 200, shipNow: 0, backordered: 0, totals: { shippedAtOnce: 200, shippedFromRestocks: 0, cancelled: 0 } },
    ];
    const { text, html } = renderCustomerNotice(customerNotice({ kind: 'incident-closed', lines }));
    expect(text).toContain(
      '  * Order: SO-64, Line: L-127, Ordered: 400, Shipped at once: 120, Shipped from restocks: 230, Substituted: 17 × SKU-0010, Cancelled by you: 33',
    );
    expect(text).toContain('  * Order: SO-114, Line: L-230, Ordered: 200, Shipped at once: 200, Shipped from restocks: 0, Cancelled by you: 0');
    expect(text).not.toMatch(/Ships now|Still backordered/);
    for (const title of ['Shipped at once', 'Shipped from restocks', 'Substituted', 'Cancelled by you']) expect(html).toContain(`>${title}</th>`);
    expect(cellTexts(html)).toContain('17 × SKU-0010');
    // A backorder still open at the close is shown, not hidden.
    const open = renderCustomerNotice(customerNotice({ kind: 'incident-closed', lines: [{ ...lines[1]!, backordered: 5 }] }));
    expect(open.text).toContain('Still backordered: 5');
  });

  it("the closing notice shows a rationed line's units per ration period beside what shipped at once, and no such column without rationing", () => {
    const lines: CustomerNotice['lines'] = [
      { orderId: 'SO-7', lineId: 'L-9', requested: 300, shipNow: 0, backordered: 0, totals: { shippedAtOnce: 100, shippedInPeriods: 160, shippedFromRestocks: 40, cancelled: 0 } },
    ];
    const { text, html } = renderCustomerNotice(customerNotice({ kind: 'incident-closed', lines }));
    expect(text).toContain('  * Order: SO-7, Line: L-9, Ordered: 300, Shipped at once: 100, Shipped per ration period: 160, Shipped from restocks: 40, Cancelled by you: 0');
    expect(html).toContain('>Shipped per ration period</th>');
    const plain = renderCustomerNotice(customerNotice({ kind: 'incident-closed', lines: [{ ...lines[0]!, totals: { shippedAtOnce: 260, shippedFromRestocks: 40, cancelled: 0 } }] }));
    expect(plain.text).not.toContain('ration period');
  });

  it('escapes every customer and order value in HTML and keeps the subject on one line', () => {
    const hostile = '<script>alert(1)</script>';
    const notice = customerNotice({
      customer: { customerId: 'C-1', name: hostile, email: 'c1@customer.example' },
      sku: 'VALVE\r\nBcc: evil@x.example',
      skuDescription: '<img src=x onerror=alert(2)>',
      lines: [{ orderId: '"><b>SO</b>', lineId: "1'", requested: 1, shipNow: 1, backordered: 0 }],
    });
    const { subject, html, text } = renderCustomerNotice(notice);
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&quot;&gt;&lt;b&gt;SO&lt;/b&gt;');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe('Stock shortage on VALVE Bcc: evil@x.example: what it means for your order');
    expect(text).toContain(`Dear ${hostile},`); // plain text shows it as the text it is
  });

  it('writes a value that looks like a placeholder or a replacement pattern as the text it is, in every catalogue', () => {
    // Sentences are i18next's text with the values joined in: a value is never read as a placeholder or a `$&`.
    const odd = 'A $& B {{sku}} $1 $$';
    for (const locale of ['en-GB', 'de-DE', 'fr-FR', 'pl-PL']) {
      const { text } = renderCustomerNotice(customerNotice({ customer: { customerId: 'C-1', name: 'Acme', contactName: odd, email: 'c1@customer.example', locale } }));
      expect(text).toContain(odd);
      expect(text).not.toContain('\uFDD0');
    }
  });

  it('refuses bad input and names the field', () => {
    expect(zodPaths(() => renderCustomerNotice(customerNotice({ customer: { customerId: 'C', name: 'B', email: 'b@x.example\r\nBcc: e@x.example' } })))).toEqual([
      'customer.email',
    ]);
    const [first, second] = customerNotice().lines;
    expect(zodPaths(() => renderCustomerNotice(customerNotice({ lines: [{ ...first!, answers: { cancel: 'javascript:alert(1)' } }] })))).toEqual([
      'lines.0.answers.cancel',
    ]);
    const { substitute: _offer, ...withoutOffer } = second!;
    expect(zodPaths(() => renderCustomerNotice(customerNotice({ lines: [withoutOffer] })))).toEqual(['lines.0.answers.acceptSubstitute']);
    expect(zodPaths(() => renderCustomerNotice(customerNotice({ lines: [] })))).toEqual(['lines']);
    // A rationed share says what ships now or from when the periods to come begin: with neither there is no sentence.
    const neither = { then: 40, everyDays: 7, until: '2025-03-31' } as unknown as CustomerNotice['ration'];
    expect(zodPaths(() => renderCustomerNotice(customerNotice({ kind: 'ration-change', ration: neither })))).toEqual(['ration']);
  });
});

describe('the footer', () => {
  // An order round's backorder-shipped notice counts from a million (message-revisions.ts): its revision is an identity.
  const revision = messageRevision('order-rounds', 'backorder-shipped', 1);
  const berlin = { customerId: 'C-D', name: 'Berlin GmbH', email: 'j@berlin.example', locale: 'de-DE', timeZone: 'Europe/Berlin' };
  const shipped = (overrides: Partial<CustomerNotice> = {}) =>
    customerNotice({ kind: 'backorder-shipped', revision, reference: 'INC-EU-VALVE-12-1', issuedAt: '2026-12-08T13:05:00Z', compensation: undefined, ...overrides });
  const footerOf = (text: string) => text.slice(text.lastIndexOf('\n--\n') + 4).trimEnd();

  it("of an order round's backorder-shipped notice gives the reference and when it was issued, in the reader's zone, not the revision", () => {
    const english = renderCustomerNotice(shipped());
    expect(footerOf(english.text)).toBe('Reference: INC-EU-VALVE-12-1, as of 8 December 2026 at 13:05. Dates are given in UTC time.');
    const german = renderCustomerNotice(shipped({ customer: berlin }));
    expect(footerOf(german.text)).toBe('Referenz: INC-EU-VALVE-12-1, Stand: 8. Dezember 2026 um 14:05. Datumsangaben in der Zeitzone Europe/Berlin.');
    const french = renderCustomerNotice(shipped({ customer: { ...berlin, locale: 'fr-FR', timeZone: 'Europe/Paris' } }));
    expect(footerOf(french.text)).toBe('Référence : INC-EU-VALVE-12-1, situation au 8 décembre 2026 à 14:05. Les dates sont données dans le fuseau Europe/Paris.');
    for (const { text, html } of [english, german, french]) {
      for (const body of [text, visibleHtml(html)]) expect(body).not.toMatch(/1[.,\s\u00a0\u202f]?000[.,\s\u00a0\u202f]?001/);
    }
    // The date and the time are each kept whole, the words between them may wrap.
    expect(german.html).toMatch(/Stand: <span style="white-space:nowrap;">8\. Dezember 2026<\/span> um 14:05\./);
  });

  it('tells two updates apart by when they were issued, while the Message-ID and idempotency key stay the revision\'s', () => {
    const first = buildCustomerMessage(shipped(), FROM);
    const next = buildCustomerMessage(shipped({ revision: revision + 1, issuedAt: '2026-12-09T08:30:00Z' }), FROM);
    expect(footerOf(renderCustomerNotice(shipped({ revision: revision + 1, issuedAt: '2026-12-09T08:30:00Z' })).text)).toContain('as of 9 December 2026 at 08:30.');
    const identity = { incidentId: 'INC-2025-0042', recipient: 'customer:C-1', kind: 'backorder-shipped', revision };
    expect(first.messageId).toBe(messageIdFor(identity));
    expect(first.meta.idempotencyKey).toBe('notify|INC-2025-0042|backorder-shipped|r1000001|customer:C-1');
    expect(next.messageId).toBe(messageIdFor({ ...identity, revision: revision + 1 }));
    // When it was issued is content, not identity: the same notice issued at another time is the same email.
    expect(buildCustomerMessage(shipped({ issuedAt: '2026-12-10T00:00:00Z' }), FROM).messageId).toBe(first.messageId);
  });

  it('of a notice stored before notices kept when they were issued gives the reference alone, never the revision', () => {
    const { text } = renderCustomerNotice(shipped({ issuedAt: undefined }));
    expect(footerOf(text)).toBe('Reference: INC-EU-VALVE-12-1. Dates are given in UTC time.');
  });

  it("of a digest gives when it was issued and in which zone, not the digest's revision", () => {
    const manager = { accountManagerId: 'AM-7', name: 'Alex Manager', email: 'alex@supplier.example', locale: 'de-DE', timeZone: 'Europe/Berlin' };
    const of = (overrides: Partial<AccountManagerDigest>) =>
      footerOf(renderDigest(digest({ kind: 'backorder-shipped', revision, reference: 'INC-EU-VALVE-12-1', personalHeadsUp: [], ...overrides })).text);
    expect(of({ issuedAt: '2026-12-08T13:05:00Z' })).toBe('Reference: INC-EU-VALVE-12-1, as of 8 December 2026 at 13:05 (UTC time).');
    expect(of({ issuedAt: '2026-12-08T13:05:00Z', accountManager: manager })).toBe('Referenz: INC-EU-VALVE-12-1, Stand: 8. Dezember 2026 um 14:05 (Zeitzone Europe/Berlin).');
    expect(of({})).toBe('Reference: INC-EU-VALVE-12-1.');
  });

  it('refuses an issued-at that is not an instant, naming it', () => {
    expect(zodPaths(() => renderCustomerNotice(shipped({ issuedAt: '2026-12-08' })))).toEqual(['issuedAt']);
  });
});

describe('account-manager digest', () => {
  it('lists every account, what the customer was told, and whom to call first', () => {
    const { subject, text, html } = renderDigest(digest());
    expect(subject).toBe('[Stockout VALVE-12, shortage] 2 of your accounts affected, 1 to call first');
    expect(text).toContain('Call these customers first');
    expect(text).toContain('  * Acme Hospital (C-1, integrated): 4 backordered');
    expect(text).toContain('Customer: Bolt & Co (C-2), Stage: basic, Ships now: 0, Backordered: 5, Expected: Monday, 24 March 2025, Substitute offered: no, Customer email: sent');
    expect(visibleHtml(html)).toContain('Bolt &amp; Co (C-2)');
    expect(html).toContain('held until your call');
  });

  it('asks for a call when a customer email bounced or the CRM has no usable address', () => {
    const [acme, bolt] = digest().accounts;
    const { text } = renderDigest(digest({ accounts: [{ ...acme!, outcome: 'rejected' }, { ...bolt!, outcome: 'undeliverable' }] }));
    expect(text).toMatch(/Customer: Acme Hospital \(C-1\), .*, Customer email: bounced, please call/);
    expect(text).toMatch(/Customer: Bolt & Co \(C-2\), .*, Customer email: no usable email address in the CRM, please call/);
  });

  it('lists whom to call in the order given (most affected first), saying why', () => {
    const [acme, bolt] = digest().accounts;
    const accounts = [
      { ...acme!, critical: true },
      { ...bolt!, confirmationReleased: 40 },
    ];
    const { text } = renderDigest(digest({ accounts, personalHeadsUp: ['C-2', 'C-1'] }));
    expect(text).toContain(
      ['  * Bolt & Co (C-2, basic): nothing ships now, 40 confirmed units taken back, 5 backordered', '  * Acme Hospital (C-1, integrated): critical supply, 4 backordered'].join('\n'),
    );
  });

  it('labels what shipped by what it means for the event: so far for an ETA change, totals at the close', () => {
    const totals = { shippedAtOnce: 6, shippedFromRestocks: 3, substituted: 2, cancelled: 1 };
    const [acme] = digest().accounts;
    const eta = renderDigest(digest({ kind: 'eta-change', revision: 1, accounts: [{ ...acme!, shipNow: 0, totals }], personalHeadsUp: [] }));
    expect(eta.text).toContain('Customer: Acme Hospital (C-1), Stage: integrated, Shipped so far: 9, Backordered: 4, Expected: Monday, 24 March 2025');
    expect(eta.text).not.toContain('Ships now');
    expect(eta.text).not.toContain('Call these customers first');
    const closed = renderDigest(digest({ kind: 'incident-closed', accounts: [{ ...acme!, shipNow: 0, backordered: 0, totals }], personalHeadsUp: [] }));
    expect(closed.text).toContain(
      'Customer: Acme Hospital (C-1), Stage: integrated, Shipped at once: 6, Shipped from restocks: 3, Substitute units: 2, Cancelled by customer: 1, Customer email: held until your call',
    );
  });

  it('refuses a heads-up for a customer that is not in the digest', () => {
    expect(zodPaths(() => renderDigest(digest({ personalHeadsUp: ['C-404'] })))).toEqual(['personalHeadsUp.0']);
  });
});

describe('messageIdFor', () => {
  const identity = { incidentId: 'INC-1', recipient: 'customer:C-1', kind: 'first-notice', revision: 0 };

  it('is a deterministic RFC 5322 id that changes with any part of the identity', () => {
    const id = messageIdFor(identity);
    expect(id).toMatch(/^<[0-9a-f]{40}@stockout-orchestrator>$/);
    expect(messageIdFor({ ...identity })).toBe(id);
    const variants = [
      { ...identity, incidentId: 'INC-2' },
      { ...identity, recipient: 'customer:C-2' },
      { ...identity, kind: 'eta-change' },
      { ...identity, revision: 1 },
    ].map(messageIdFor);
    expect(new Set([id, ...variants]).size).toBe(5);
  });
});
