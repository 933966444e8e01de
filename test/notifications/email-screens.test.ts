// The emails as a reader's browser shows them, at a phone's 360 px and a desktop's 900 px, in every language with
// a catalogue: nothing runs off the screen sideways, no id or date is broken across lines, and a screenshot of
// each is kept in test-artifacts/screenshots/ (email-<kind>-<language>-<width>.png) for a person to look at.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountManagerDigest, CustomerNotice } from '../../src/notifications/model';
import { renderCustomerNotice, renderDigest } from '../../src/notifications/templates';
import { keepScreenshot, launchBrowser, seriousViolations } from '../harness/browser';
import { customerNotice, digest } from './fixtures';

const READERS = {
  en: { locale: 'en-GB', timeZone: 'Europe/London' },
  de: { locale: 'de-DE', timeZone: 'Europe/Berlin' },
  fr: { locale: 'fr-FR', timeZone: 'Europe/Paris' },
  nl: { locale: 'nl-NL', timeZone: 'Europe/Amsterdam' },
  es: { locale: 'es-ES', timeZone: 'Europe/Madrid' },
  pl: { locale: 'pl-PL', timeZone: 'Europe/Warsaw' },
} as const;
const WIDTHS = [360, 900];

const link = (line: string, answer: string) => `https://stockout.example/answers/${line}-${answer}.${'x'.repeat(120)}`;

/** A first notice with every column filled: ids as long as the demo's, a substitute shipping, long dates. */
function firstNotice(reader: (typeof READERS)[keyof typeof READERS]): CustomerNotice {
  return customerNotice({
    reference: 'INC-EU-SKU-0042-1',
    issuedAt: '2026-12-08T13:05:00Z',
    customer: { customerId: 'CUST-000012', name: 'Meridian Care Clinics 12', contactName: 'Greta Fischer', email: 'greta@cust-000012.example', ...reader },
    sku: 'SKU-0042',
    skuDescription: 'Nitrile examination gloves, size M, box of 100',
    accountManager: { name: 'Hugo Laurent', email: 'hugo.laurent.am-003@supplier.example', phone: '+44 20 7946 0102' },
    lines: [
      {
        orderId: 'SO-0000058',
        lineId: 'L-00000185',
        requested: 1200,
        shipNow: 480,
        shipDate: '2026-12-08',
        substituted: [{ sku: 'SKU-0043', quantity: 120 }],
        backordered: 600,
        expectedDate: '2026-12-23',
        substitute: { sku: 'SKU-0043', description: 'Nitrile examination gloves, size M, powder-free, box of 100', quantity: 600, priceDelta: 0.35 },
        answers: { acceptSubstitute: link('L-00000185', 'a'), canWait: link('L-00000185', 'w'), cancel: link('L-00000185', 'c') },
      },
      {
        orderId: 'SO-0000061',
        lineId: 'L-00000190',
        requested: 300,
        shipNow: 0,
        backordered: 300,
        expectedDate: '2026-12-23',
        reasons: ['concentration-cap'],
        answers: { canWait: link('L-00000190', 'w'), cancel: link('L-00000190', 'c') },
      },
    ],
    allLines: { canWait: link('all', 'w'), cancel: link('all', 'c') },
  });
}

function closingNotice(reader: (typeof READERS)[keyof typeof READERS]): CustomerNotice {
  const first = firstNotice(reader);
  return {
    ...first,
    kind: 'incident-closed',
    revision: 4,
    lines: [
      { orderId: 'SO-0000058', lineId: 'L-00000185', requested: 1200, shipNow: 0, backordered: 0, totals: { shippedAtOnce: 480, shippedFromRestocks: 480, substituted: [{ sku: 'SKU-0043', quantity: 120 }], cancelled: 120 } },
      { orderId: 'SO-0000061', lineId: 'L-00000190', requested: 300, shipNow: 0, backordered: 40, totals: { shippedAtOnce: 0, shippedFromRestocks: 260, cancelled: 0 } },
    ],
  };
}

function managerDigest(reader: (typeof READERS)[keyof typeof READERS]): AccountManagerDigest {
  const base = digest();
  return {
    ...base,
    reference: 'INC-EU-SKU-0042-1',
    issuedAt: '2026-12-08T13:05:00Z',
    sku: 'SKU-0042',
    skuDescription: 'Nitrile examination gloves, size M, box of 100',
    accountManager: { ...base.accountManager, ...reader },
    accounts: [
      { ...base.accounts[0]!, customerId: 'CUST-000012', name: 'Meridian Care Clinics 12', contact: { name: 'Greta Fischer', phone: '+49 30 5550 0120' }, expectedDate: '2026-12-23', critical: true },
      { ...base.accounts[1]!, customerId: 'CUST-000031', name: 'Northwind Hospitals 31', contact: { name: 'Rosa Costa', phone: '+33 1 5550 0310' }, expectedDate: '2026-12-23', outcome: 'undeliverable' },
    ],
    personalHeadsUp: ['CUST-000012', 'CUST-000031'],
  };
}

const EMAILS = {
  'first-notice': (r: (typeof READERS)[keyof typeof READERS]) => renderCustomerNotice(firstNotice(r)).html,
  'closing-notice': (r: (typeof READERS)[keyof typeof READERS]) => renderCustomerNotice(closingNotice(r)).html,
  digest: (r: (typeof READERS)[keyof typeof READERS]) => renderDigest(managerDigest(r)).html,
};

describe('emails in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const cases = Object.keys(EMAILS).flatMap((kind) => Object.keys(READERS).flatMap((language) => WIDTHS.map((width) => [kind, language, width] as const)));

  it.each(cases)('%s in %s at %i px fits the screen and breaks no id or date', async (kind, language, width) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.setContent(EMAILS[kind as keyof typeof EMAILS](READERS[language as keyof typeof READERS]));
    // Evaluated in the page (this project compiles without the DOM library, so as expressions).
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    expect(scrollWidth).toBeLessThanOrEqual(width);
    // A kept token (id, date) laid out on two lines has two boxes; list those, with the text of their cell.
    const broken = await page.evaluate(`[...document.querySelectorAll('span[style*="nowrap"]')].filter((s) => s.getClientRects().length > 1).map((s) => s.textContent)`);
    expect(broken).toEqual([]);
    // No word of a table (a title, a number, a name) is split across lines: each lies in one box. A hyphenated
    // word may wrap at its hyphen as in print; ids, hyphens and all, are kept whole (checked above).
    const splitWords = await page.evaluate(`(() => {
      const split = [];
      for (const cell of document.querySelectorAll('th, td')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const match of node.textContent.matchAll(/[^\\s-]+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            if (range.getClientRects().length > 1) split.push(match[0]);
          }
        }
      }
      return split;
    })()`);
    expect(splitWords).toEqual([]);
    // A cell whose content is wider than the cell spills over its neighbours.
    const cells = await page.evaluate(`[...document.querySelectorAll('td')].filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent)`);
    expect(cells).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await keepScreenshot(page, `email-${kind}-${language}-${width}`);
    await page.close();
  });
});
