// Notices composed from an allocation and delivered over real SMTP: each backordered line's own signed answer
// links, who is told at all, and whom the account manager should call first.
import { describe, expect, it } from 'vitest';
import { composeNotices, type AllocatedLine } from '../../src/notifications/notices';
import { buildCustomerMessage, buildDigestMessage, deliverBatch } from '../../src/notifications/mailer';
import { answerLinks, FROM, SIGNED_AT as now, tokensIn, valveNoticeInputs } from './fixtures';
import { smtpFixtures } from './smtp-fixtures';

const smtp = smtpFixtures();

describe('answer links over SMTP', () => {
  const inputs = valveNoticeInputs({
    allocation: [
      { lineId: 'L-1', customerId: 'C-1', requested: 10, allocated: 4, substitutes: [], backordered: 6, releasedConfirmation: 0, reasons: ['fair-share-floor', 'pool-exhausted'] },
      { lineId: 'L-2', customerId: 'C-2', requested: 5, allocated: 0, substitutes: [], backordered: 5, releasedConfirmation: 0, reasons: ['pool-exhausted'] },
    ],
    orderLines: [
      { lineId: 'L-1', orderId: 'SO-1', customerId: 'C-1', quantity: 10, substitutesAllowed: true },
      { lineId: 'L-2', orderId: 'SO-2', customerId: 'C-2', quantity: 5, substitutesAllowed: true },
    ],
    customers: [
      { customerId: 'C-1', name: 'Acme', stage: 'integrated', critical: false, contacts: [{ name: 'Ann', email: 'ann@acme.example' }], accountManagerId: 'AM-1', acceptsSubstitutes: true },
      { customerId: 'C-2', name: 'Bolt', stage: 'basic', critical: false, contacts: [{ name: 'Bo', email: 'bo@bolt.example' }], accountManagerId: 'AM-1', acceptsSubstitutes: false },
    ],
    accountManagers: [{ accountManagerId: 'AM-1', name: 'Alex', email: 'alex@supplier.example' }],
    // VALVE-12A comes first but has too little free stock for 6 units at 2 per unit; VALVE-12B covers them.
    substitutes: [
      { sku: 'VALVE-12B', description: 'Ball valve 12 mm, brass', priceDelta: 1.2, ratio: 1, packSize: 1, available: 40 },
      { sku: 'VALVE-12A', priceDelta: 0, ratio: 2, packSize: 1, available: 3 },
    ],
    credits: new Map(),
  });

  it("a customer with one backordered line and a substitute offer gets that line's accept link in text and HTML, signed for it", async () => {
    const { sink, transport, log } = await smtp.setup();
    const { notices } = composeNotices(inputs);
    await deliverBatch(transport, log, notices.map((notice) => buildCustomerMessage(notice, FROM)));

    const acme = sink.messages().find((m) => m.envelope.to[0] === 'ann@acme.example')!;
    const html = acme.html!.replace(/&amp;/g, '&');
    const claims = tokensIn(acme.text!).map((token) => answerLinks.verify(token, now));
    expect(claims.map((c) => c.a)).toEqual(['accept-substitute', 'can-wait', 'cancel']);
    for (const c of claims) expect(c).toMatchObject({ w: inputs.workflowId, i: inputs.incidentId, c: 'C-1', l: 'L-1' });
    expect(tokensIn(html)).toEqual(tokensIn(acme.text!));
    const accept = answerLinks.url(tokensIn(acme.text!)[0]!);
    expect(acme.text).toContain(`Order SO-1, line L-1: 6 backordered. An equivalent product is available instead of waiting`);
    expect(acme.text).toContain(`6 × VALVE-12B (Ball valve 12 mm, brass). Price difference: +€1.20 per unit, +€7.20 in total for 6 units.`);
    expect(acme.text).toContain(`  > Accept VALVE-12B instead: ${accept}`);
    expect(html).toContain(`href="${accept}"`);

    // A customer that never takes substitutes is not offered one, but can still cancel or wait, for its own line.
    const bolt = sink.messages().find((m) => m.envelope.to[0] === 'bo@bolt.example')!;
    const boltClaims = tokensIn(bolt.text!).map((token) => answerLinks.verify(token, now));
    expect(boltClaims.map((c) => [c.a, c.c, c.l])).toEqual([
      ['can-wait', 'C-2', 'L-2'],
      ['cancel', 'C-2', 'L-2'],
    ]);
    expect(bolt.text).not.toContain('VALVE-12B');
  });

  it('tells nobody served in full with its own product, and lists whom to call most affected first', async () => {
    const { sink, transport, log } = await smtp.setup();
    const customer = (customerId: string, critical: boolean) => ({
      customerId,
      name: `Customer ${customerId}`,
      stage: 'basic',
      critical,
      contacts: [{ name: 'Buyer', email: `${customerId.toLowerCase()}@customer.example` }],
      accountManagerId: 'AM-1',
      acceptsSubstitutes: true,
    });
    const line = (lineId: string, customerId: string, got: Partial<AllocatedLine> = {}): AllocatedLine => ({
      lineId,
      customerId,
      requested: 10,
      allocated: 10,
      substitutes: [],
      backordered: 0,
      releasedConfirmation: 0,
      reasons: [],
      ...got,
    });
    const composed = composeNotices({
      ...inputs,
      allocation: [
        line('L-1', 'C-1'), // served in full, own product: not affected
        line('L-2', 'C-2', { allocated: 7, substitutes: [{ sku: 'VALVE-12B', quantity: 3 }] }), // a substitute
        line('L-3', 'C-3', { allocated: 4, backordered: 6, releasedConfirmation: 2 }), // confirmation taken back
        line('L-4', 'C-4', { allocated: 0, backordered: 10, reasons: ['pool-exhausted'] }), // nothing at all
        line('L-5', 'C-5', { allocated: 8, backordered: 2 }), // critical
        line('L-6', 'C-6', { allocated: 1, backordered: 9 }), // most backordered of the rest
        line('L-7', 'C-7', { allocated: 9, backordered: 1 }),
      ],
      orderLines: ['1', '2', '3', '4', '5', '6', '7'].map((n) => ({ lineId: `L-${n}`, orderId: `SO-${n}`, customerId: `C-${n}`, quantity: 10, substitutesAllowed: true })),
      openBackorders: new Map([
        ['L-3', 6],
        ['L-4', 10],
        ['L-5', 2],
        ['L-6', 9],
        ['L-7', 1],
      ]),
      customers: ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6', 'C-7'].map((id) => customer(id, id === 'C-5')),
    });
    const messages = [...composed.notices.map((n) => buildCustomerMessage(n, FROM)), ...composed.digests.map((d) => buildDigestMessage(d, FROM))];
    await deliverBatch(transport, log, messages);

    const told = sink.messages().flatMap((m) => m.envelope.to).sort();
    expect(told).toEqual(['alex@supplier.example', ...['c-2', 'c-3', 'c-4', 'c-5', 'c-6', 'c-7'].map((c) => `${c}@customer.example`)]);
    const digestText = sink.messages().find((m) => m.envelope.to[0] === 'alex@supplier.example')!.text!;
    expect(digestText).not.toContain('(C-1)');
    const calls = digestText.split(/\r?\n/).filter((l) => /^ {2}\* Customer C-\d \(/.test(l));
    expect(calls).toEqual([
      '  * Customer C-4 (C-4, basic): nothing ships now, 10 backordered. Call Buyer, c-4@customer.example.',
      '  * Customer C-3 (C-3, basic): 2 confirmed units taken back, 6 backordered. Call Buyer, c-3@customer.example.',
      '  * Customer C-5 (C-5, basic): critical supply, 2 backordered. Call Buyer, c-5@customer.example.',
    ]);
    const c4 = sink.messages().find((m) => m.envelope.to[0] === 'c-4@customer.example')!;
    expect(c4.text).toContain('  * Order SO-4, line L-4: The stock ran out before this line was reached');
  });

  it('offers no substitute when none has enough free stock for the backorder', () => {
    const { notices } = composeNotices({ ...inputs, substitutes: inputs.substitutes.map((s) => ({ ...s, available: 1 })) });
    const line = notices.find((n) => n.customer.customerId === 'C-1')!.lines[0]!;
    expect(line.substitute).toBeUndefined();
    expect(Object.keys(line.answers!)).toEqual(['canWait', 'cancel']);
  });
});
