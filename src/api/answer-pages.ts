// The small pages a customer sees after clicking an answer link in an email. Pure: strings in, HTML out.
// Everything that comes from the link or the incident is escaped.
import type { AnswerClaims } from '../answer-links';
import { ANSWER_KINDS } from '../incident/answer-kinds';
import { escapeHtml } from '../notifications/document';

export interface Page {
  status: number;
  html: string;
}

/** What the customer is about to do, with a button: the GET never acts, so link scanners cannot answer for them. */
export function confirmPage(claims: AnswerClaims): Page {
  const what = ANSWER_KINDS[claims.a].page;
  const stockFields =
    claims.a === 'can-wait'
      ? `<p>Optional, so we can plan better:</p>
<p><label>Units you hold now <input name="onHand" type="number" min="0" step="1" inputmode="numeric"></label></p>
<p><label>Units you use per day <input name="dailyUsage" type="number" min="0" step="any" inputmode="decimal"></label></p>`
      : '';
  return page(
    200,
    'Confirm your answer',
    `<p>${escapeHtml(what.confirm)} <strong>${escapeHtml(claims.l)}</strong>.</p>
<form method="post">${stockFields}
<p><button type="submit">${escapeHtml(what.button)}</button></p>
</form>`,
  );
}

export function donePage(claims: AnswerClaims): Page {
  const what = ANSWER_KINDS[claims.a].page;
  // No confirmation email is sent for an answer: the incident applies it, and its next email shows the result.
  return page(200, 'Answer recorded', `<p>${escapeHtml(what.done)} <strong>${escapeHtml(claims.l)}</strong>.</p>
<p>${escapeHtml(what.next)}</p>
<p>Our next email about this order shows the result; your account manager can tell you sooner. You can close this page.</p>`);
}

export function refusedPage(reason: 'expired' | 'invalid'): Page {
  return page(
    403,
    'This link cannot be used',
    reason === 'expired'
      ? '<p>This link has expired. Please reply to the email you received or contact your account manager.</p>'
      : '<p>This link is not valid. Please use the link from your email exactly as it was sent, or contact your account manager.</p>',
  );
}

/** The incident refused or could not take the answer; `detail` names the field or state, never customer data. */
export function problemPage(status: number, detail: string): Page {
  return page(
    status,
    'We could not record your answer',
    `<p>${escapeHtml(detail)}</p>
<p>Please contact your account manager, who can record your answer for you.</p>`,
  );
}

/**
 * A request the server could not take at all (Fastify refused it before any answer logic ran): the customer's
 * browser gets a page with a plain sentence, never the JSON an API client gets.
 */
export function requestProblemPage(status: number): Page {
  const sentence =
    status === 414
      ? 'This link is longer than any link we send: it may have been changed, or joined with other text. Please use the link from your email exactly as it was sent.'
      : status === 413
        ? 'What your browser sent is larger than this page accepts. Please go back, check the figures you entered and try again.'
        : 'Your browser sent something this page cannot read. Please open the link from your email again.';
  return page(status, 'We could not record your answer', `<p>${escapeHtml(sentence)}</p>
<p>If it happens again, please contact your account manager, who can record your answer for you.</p>`);
}

function page(status: number, title: string, body: string): Page {
  return {
    status,
    html: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`,
  };
}
