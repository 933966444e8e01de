import { createAnswerLinks } from '../../src/answer-links';
import type { AccountManagerDigest, CustomerNotice } from '../../src/notifications/model';
import type { NoticeInputs } from '../../src/notifications/notices';

export const FROM = { name: 'Stockout desk', address: 'stockout@supplier.example' };

/** The links of composed notices, signed at `SIGNED_AT`, and the tokens a notice's text or HTML holds. */
export const answerLinks = createAnswerLinks({ secret: 'answer-link-secret-answer-link-secret', ttlDays: 14, baseUrl: 'https://stockout.example' });
export const SIGNED_AT = new Date();
export const tokensIn = (body: string) => [...body.matchAll(/https:\/\/stockout\.example\/answers\/([\w-]+\.[\w-]+)/g)].map((m) => m[1]!);

/** What the customers, their lines and the substitutes are: each file that composes notices names its own. */
type Cast = Pick<NoticeInputs, 'allocation' | 'orderLines' | 'customers' | 'accountManagers' | 'substitutes' | 'credits'>;

/** The first notice about VALVE-12 with lines L-1 (6 backordered) and L-2 (5 backordered), composed with `answerLinks`. */
export function valveNoticeInputs(cast: Cast): NoticeInputs {
  return {
    incidentId: 'stockout:EU:VALVE-12:abcd1234',
    reference: 'INC-EU-VALVE-12-1',
    workflowId: 'stockout:EU:VALVE-12',
    kind: 'first-notice',
    revision: 0,
    sku: 'VALVE-12',
    skuDescription: 'Ball valve 12 mm',
    currency: 'EUR',
    today: '2026-11-24',
    expectedDate: '2026-12-10',
    previousExpectedDate: null,
    etaReason: null,
    totals: null,
    openBackorders: new Map([
      ['L-1', 6],
      ['L-2', 5],
    ]),
    previouslyNotified: new Set(),
    stagesWithHeadsUp: new Set(),
    answerLinks,
    now: SIGNED_AT,
    ...cast,
  };
}

export function customerNotice(overrides: Partial<CustomerNotice> & { customerId?: string } = {}): CustomerNotice {
  const { customerId = 'C-1', ...rest } = overrides;
  return {
    incidentId: 'INC-2025-0042',
    kind: 'first-notice',
    revision: 0,
    customer: { customerId, name: `Customer ${customerId}`, email: `${customerId.toLowerCase()}@customer.example` },
    sku: 'VALVE-12',
    skuDescription: 'Ball valve 12 mm',
    currency: 'EUR',
    lines: [
      {
        orderId: 'SO-1001',
        lineId: '1',
        requested: 10,
        shipNow: 6,
        shipDate: '2025-03-05',
        backordered: 4,
        expectedDate: '2025-03-24',
        answers: { cancel: 'https://portal.example/answer/l1?choice=cancel', canWait: 'https://portal.example/answer/l1?choice=wait' },
      },
      {
        orderId: 'SO-1002',
        lineId: '3',
        requested: 5,
        shipNow: 0,
        backordered: 5,
        expectedDate: '2025-03-24',
        substitute: { sku: 'VALVE-12B', description: 'Ball valve 12 mm, brass', quantity: 5, priceDelta: 1.2 },
        answers: {
          acceptSubstitute: 'https://portal.example/answer/l3?choice=substitute',
          cancel: 'https://portal.example/answer/l3?choice=cancel',
          canWait: 'https://portal.example/answer/l3?choice=wait',
        },
      },
    ],
    compensation: { kind: 'credit', amount: 50, currency: 'EUR' },
    ...rest,
  };
}

export function digest(overrides: Partial<AccountManagerDigest> = {}): AccountManagerDigest {
  return {
    incidentId: 'INC-2025-0042',
    kind: 'first-notice',
    revision: 0,
    accountManager: { accountManagerId: 'AM-7', name: 'Alex Manager', email: 'alex@supplier.example' },
    sku: 'VALVE-12',
    accounts: [
      { customerId: 'C-1', name: 'Acme Hospital', stage: 'integrated', shipNow: 6, backordered: 4, expectedDate: '2025-03-24', substituteOffered: true, outcome: 'pending' },
      { customerId: 'C-2', name: 'Bolt & Co', stage: 'basic', shipNow: 0, backordered: 5, expectedDate: '2025-03-24', substituteOffered: false, outcome: 'sent' },
    ],
    personalHeadsUp: ['C-1'],
    ...overrides,
  };
}

/** The HTML without its tags and without the column labels only stacked cards show: what a reader sees. */
export function visibleHtml(html: string): string {
  return html.replace(/<span class="label"[^>]*>[^<]*<\/span>/g, '').replace(/<[^>]+>/g, '');
}

/** What each table cell of the HTML shows, its stacked-card label left out. */
export function cellTexts(html: string): string[] {
  return [...html.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => visibleHtml(m[1]!));
}
