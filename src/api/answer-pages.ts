// The small pages a customer sees after clicking an answer link in an email, in the email's language and worded
// for the customer. Pure: strings in, HTML out. Everything that comes from the link or the incident is escaped.
import { linesOf, type AnswerClaims } from '../answer-links';
import { ANSWER_KINDS } from '../incident/answer-kinds';
import { escapeHtml } from '../notifications/document';
import type { Issue } from '../validation/issues';
import { formatPriceDelta, formatQuantity, readerOf, type Reader } from '../notifications/reader';

export interface Page {
  status: number;
  html: string;
}

const readerOfClaims = (claims?: Pick<AnswerClaims, 'd'>) => readerOf(claims?.d?.loc ? { locale: claims.d.loc } : {});

/** The sentence about the lines (ending with the id of a single one) and what the link restates of each. */
function aboutLines(claims: AnswerClaims, sentence: 'confirm' | 'done', r: Reader): string {
  const lines = linesOf(claims);
  const text = escapeHtml(r.t(`pages.kinds.${claims.a}.${sentence}`, { count: lines.length }));
  const lead = lines.length === 1 ? `<p>${text} <strong>${escapeHtml(claims.l)}</strong>.</p>` : `<p>${text}</p>`;
  const details = claims.d;
  if (!details) return lines.length === 1 ? lead : `${lead}<ul>${lines.map((l) => `<li>${escapeHtml(r.t('pages.lineOnly', { line: l }))}</li>`).join('')}</ul>`;
  const product = details.desc ? `${details.sku} (${details.desc})` : details.sku;
  const items = details.lines.map((line) => {
    const about = r.t('pages.lineItem', { order: line.o, line: line.l, quantity: formatQuantity(line.q, r) });
    const offer = ANSWER_KINDS[claims.a].needsSubstituteOffer && line.s ? `; ${offerText(line.s, details.cur, r)}` : '';
    return `<li>${escapeHtml(about + offer)}</li>`;
  });
  return `${lead}\n<p>${escapeHtml(r.t('pages.product', { product }))}</p>\n<ul>${items.join('')}</ul>`;
}

function offerText(offer: { sku: string; q: number; d: number }, currency: string | undefined, r: Reader): string {
  const difference =
    offer.d === 0
      ? r.t('pages.samePrice')
      : r.t('pages.priceDifference', {
          perUnit: formatPriceDelta(offer.d, currency, r),
          total: formatPriceDelta(Math.round(offer.d * offer.q * 100) / 100, currency, r),
        });
  return r.t('pages.offerItem', { quantity: formatQuantity(offer.q, r), product: offer.sku, difference });
}

/** What the customer is about to do, with a button: the GET never acts, so link scanners cannot answer for them. */
export function confirmPage(claims: AnswerClaims): Page {
  const r = readerOfClaims(claims);
  const stockFields =
    claims.a === 'can-wait'
      ? `<p>${escapeHtml(r.t('pages.optional'))}</p>
<p><label>${escapeHtml(r.t('pages.onHand'))} <input name="onHand" type="number" min="0" step="1" inputmode="numeric"></label></p>
<p><label>${escapeHtml(r.t('pages.dailyUsage'))} <input name="dailyUsage" type="number" min="0" step="any" inputmode="decimal"></label></p>`
      : '';
  const look = ANSWER_KINDS[claims.a].destructive ? ' class="destructive"' : '';
  return page(
    200,
    r,
    r.t('pages.confirmTitle'),
    `${aboutLines(claims, 'confirm', r)}
<form method="post">${stockFields}
<p><button type="submit"${look}>${escapeHtml(r.t(`pages.kinds.${claims.a}.button`))}</button></p>
</form>`,
  );
}

export function donePage(claims: AnswerClaims): Page {
  const r = readerOfClaims(claims);
  const count = linesOf(claims).length;
  // No confirmation email is sent for an answer: the incident applies it, and its next email shows the result.
  return page(200, r, r.t('pages.doneTitle'), `${aboutLines(claims, 'done', r)}
<p>${escapeHtml(r.t(`pages.kinds.${claims.a}.next`, { count }))}</p>
<p>${escapeHtml(r.t('pages.nextEmail'))}</p>`);
}

export function refusedPage(reason: 'expired' | 'invalid'): Page {
  const r = readerOfClaims();
  return page(403, r, r.t('pages.refusedTitle'), `<p>${escapeHtml(r.t(reason === 'expired' ? 'pages.expired' : 'pages.invalid'))}</p>`);
}

/** The form's own figures, by field name: a refused one is named by its label. */
const FIGURE_FIELDS = ['onHand', 'dailyUsage'] as const;

/**
 * The incident refused or could not take the answer, said in the customer's words and language: a figure the
 * form sent that cannot be taken is named by its label; any other refusal (the incident gone, closed, the
 * lines no longer waiting) means the shortage is over for these lines; anything else is ours. Never the
 * incident's own message, state or id.
 */
export function problemPage(status: number, issues: readonly Issue[], claims?: Pick<AnswerClaims, 'd'>): Page {
  const r = readerOfClaims(claims);
  const field = FIGURE_FIELDS.find((name) => issues.some((issue) => issue.path.split('.').at(-1) === name));
  const said =
    status === 503 ? r.t('pages.tryLater')
    : status >= 500 ? r.t('pages.ourSide')
    : status === 400 ? (field ? r.t('pages.figureRefused', { field: r.t(`pages.${field}`) }) : r.t('pages.unreadable'))
    : r.t('pages.noLongerOpen');
  return page(status, r, r.t('pages.problemTitle'), `<p>${escapeHtml(said)}</p>
<p>${escapeHtml(r.t('pages.contactManager'))}</p>`);
}

/**
 * A request the server could not take at all (Fastify refused it before any answer logic ran): the customer's
 * browser gets a page with a plain sentence, never the JSON an API client gets.
 */
export function requestProblemPage(status: number, claims?: Pick<AnswerClaims, 'd'>): Page {
  const r = readerOfClaims(claims);
  const sentence = r.t(status === 414 ? 'pages.linkTooLong' : status === 413 ? 'pages.bodyTooLarge' : 'pages.unreadable');
  return page(status, r, r.t('pages.problemTitle'), `<p>${escapeHtml(sentence)}</p>
<p>${escapeHtml(r.t('pages.contactManager'))}</p>`);
}

function page(status: number, r: Reader, title: string, body: string): Page {
  return {
    status,
    html: `<!doctype html>
<html lang="${escapeHtml(r.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;overflow-wrap:anywhere}button{font-size:1rem;padding:.6rem 1.2rem;background:#1d4ed8;color:#fff;border:2px solid #1d4ed8;border-radius:4px}button.destructive{background:#fff;color:#b91c1c;border-color:#b91c1c}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`,
  };
}
