// A tiny document model rendered twice, to text and to HTML, so both parts of an email say the same thing
// and every value is escaped in exactly one place.

export type Block =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string; tone?: 'note' }
  | { type: 'list'; items: string[] }
  | { type: 'table'; columns: Array<{ title: string; align?: 'left' | 'right' }>; rows: string[][] }
  /** Buttons; a destructive one (it gives up what was ordered) is drawn apart, outlined in red, never filled. */
  | { type: 'links'; links: Array<{ label: string; url: string; destructive?: boolean }> };

export interface EmailDocument {
  lang: string;
  title: string;
  blocks: Block[];
  footer: string;
}

export interface RenderedBody {
  text: string;
  html: string;
}

// C0/C1 controls (CR, LF, NUL, ...), Unicode line/paragraph separators and bidi overrides (subject spoofing).
const UNSAFE_INLINE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]+/gu;

// Ids and dates must never wrap mid-token ("SO-/0000058", "Tuesday,/8/December"): the templates mark them with
// these private-use characters, the HTML renders them unbreakable and the plain text drops the marks.
const KEEP_OPEN = '\uE000';
const KEEP_CLOSE = '\uE001';
const KEPT = /\uE000([^\uE000\uE001]*)\uE001/g;
const MARKS = /[\uE000\uE001]/g;

// Where a browser may break a line: blanks, dashes, slashes and the like (digits, letters and the non-breaking
// spaces Intl writes into numbers are not).
const BREAKABLE = /[\s\-\u2010\u2012-\u2014/\\?&=+|]/;

/** A token (an id, a date) that is kept on one line in the HTML; one without a break opportunity needs no mark. */
export function keep(token: string): string {
  const bare = token.replace(MARKS, '');
  return BREAKABLE.test(bare) ? `${KEEP_OPEN}${bare}${KEEP_CLOSE}` : bare;
}

/** The text without the keep marks: for the plain-text part and headers. */
export function unmarked(value: string): string {
  return value.replace(MARKS, '');
}

// What singleLine changes: an unsafe character, a blank other than a space, two spaces, a space at either end.
// Most values have none, and one test costs less than the three passes that would give them back unchanged.
const NOT_SINGLE_LINE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]|[^\S ]| {2}|^ | $/u;

/** One line of text: control characters and line breaks become spaces, runs of blanks collapse. */
export function singleLine(value: string): string {
  if (!NOT_SINGLE_LINE.test(value)) return value;
  return value.replace(UNSAFE_INLINE, ' ').replace(/\s+/g, ' ').trim();
}

/** Text that is safe inside a header (subject, display name): single line, bounded length. */
export function headerSafe(value: string, maxLength = 180): string {
  return clip(singleLine(unmarked(value)), maxLength);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * At most `maxLength` UTF-16 units (what a zod `max` counts), ending in an ellipsis when shortened. The cut
 * falls between grapheme clusters, so it never splits a surrogate pair, an emoji or a letter from its accent.
 */
export function clip(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  let kept = '';
  for (const { segment } of graphemes.segment(value)) {
    if (kept.length + segment.length > maxLength - 1) break;
    kept += segment;
  }
  return `${kept.trimEnd()}…`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export function renderDocument(doc: EmailDocument): RenderedBody {
  return { text: renderText(doc), html: renderHtml(doc) };
}

/** A value as one plain line: no keep marks, no control characters. */
const plainLine = (value: string) => singleLine(unmarked(value));

function renderText(doc: EmailDocument): string {
  const title = plainLine(doc.title);
  const parts = [`${title}\n${'='.repeat(Math.min(title.length, 72))}`];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'heading': {
        const text = plainLine(block.text);
        parts.push(`${text}\n${'-'.repeat(Math.min(text.length, 72))}`);
        break;
      }
      case 'paragraph':
        parts.push(plainLine(block.text));
        break;
      case 'list':
        parts.push(block.items.map((item) => `  * ${plainLine(item)}`).join('\n'));
        break;
      case 'table': {
        // Plain text has no reliable columns (proportional fonts), so each row becomes one labelled line.
        const titles = block.columns.map((column) => plainLine(column.title));
        parts.push(
          block.rows
            .map((row) =>
              titles
                .map((title, i) => [title, plainLine(row[i] ?? '')] as const)
                .filter(([, value]) => value !== '')
                .map(([title, value]) => `${title}: ${value}`)
                .join(', '),
            )
            .map((line) => `  * ${line}`)
            .join('\n'),
        );
        break;
      }
      case 'links':
        parts.push(block.links.map((link) => `  > ${plainLine(link.label)}: ${link.url}`).join('\n'));
        break;
    }
  }
  parts.push(`--\n${plainLine(doc.footer)}`);
  return `${parts.join('\n\n')}\n`;
}

/*
 * Email-client-safe HTML: nested presentation tables, every style inline, one fluid column at most 820 px wide.
 * The only stylesheet is a media query for narrow screens (Apple Mail, Gmail and Outlook apps honour it): there
 * each table row becomes a card whose cells stack, each with its column's title. A client without it gets the
 * wide table, whose ids and dates still never break mid-token.
 */
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const CELL = 'padding:6px 4px;border-bottom:1px solid #e5e7eb;vertical-align:top;';
// Long free text (a description, a URL) may break anywhere rather than push the page wider; kept tokens never do.
const WRAP = 'overflow-wrap:anywhere;word-break:break-word;';
// In a table cell a word breaks only when it cannot fit a line of its own: 'anywhere' (inherited from the body)
// would let the table squeeze columns to one letter.
const CELL_WRAP = 'overflow-wrap:break-word;word-break:normal;';
const NARROW_SCREEN = `@media only screen and (max-width:620px){
.outer{padding:8px 4px!important}
.inner{padding:14px 12px!important}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block!important;width:auto!important}
table.stack thead{display:none!important}
table.stack tr{padding:6px 0!important;border-bottom:2px solid #d1d5db!important}
table.stack td{border:0!important;padding:2px 4px!important;text-align:left!important}
table.stack td.blank{display:none!important}
table.stack .label{display:inline!important;max-height:none!important;overflow:visible!important;font-weight:bold;color:#4b5563}
a.button{display:block!important;margin:0 0 8px!important;text-align:center}
}`;

// What inlineHtml escapes or marks up; most cells (figures, ids, dates without a blank) have none of it.
const HTML_SPECIAL = /[&<>"'\uE000\uE001]/;

/** Escaped text, its kept tokens unbreakable. */
function inlineHtml(value: string): string {
  const line = singleLine(value);
  if (!HTML_SPECIAL.test(line)) return line;
  return escapeHtml(line)
    .replace(KEPT, '<span style="white-space:nowrap;">$1</span>')
    .replace(MARKS, '');
}

function tableHtml(block: Extract<Block, { type: 'table' }>): string {
  const align = (i: number) => `text-align:${block.columns[i]?.align ?? 'left'};`;
  // Each column's title and cell style, made once per table, not once per row.
  const titles = block.columns.map((column) => inlineHtml(column.title));
  const cellStyles = block.columns.map((_, i) => `${CELL}${align(i)}${CELL_WRAP}`);
  const head = titles.map((title, i) => `<th scope="col" style="${cellStyles[i]}border-bottom:2px solid #9ca3af;font-size:13px;">${title}</th>`).join('');
  // The column title, shown only when the row is stacked as a card (hidden for wide screens and Outlook).
  const labels = titles.map((title) => `<span class="label" style="display:none;mso-hide:all;max-height:0;overflow:hidden;">${title}: </span>`);
  const rows = block.rows
    .map((row) => {
      const cells = block.columns.map((_, i) => {
        const value = row[i] ?? '';
        return `<td${value === '' ? ' class="blank"' : ''} style="${cellStyles[i]}">${labels[i]}${inlineHtml(value)}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('');
  return (
    `<table class="stack" role="table" cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:100%;margin:0 0 16px;font-size:13px;">` +
    `<thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`
  );
}

function buttonHtml(link: { label: string; url: string; destructive?: boolean }): string {
  const look = link.destructive
    ? 'background:#ffffff;color:#b91c1c;border:2px solid #b91c1c;'
    : 'background:#1d4ed8;color:#ffffff;border:2px solid #1d4ed8;';
  return `<a class="button" href="${escapeHtml(link.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:9px 14px;${look}text-decoration:none;border-radius:4px;font-weight:bold;">${inlineHtml(link.label)}</a>`;
}

function renderHtml(doc: EmailDocument): string {
  const blocks = doc.blocks.map((block) => {
    switch (block.type) {
      case 'heading':
        return `<h2 style="margin:20px 0 8px;font-size:16px;color:#111827;">${inlineHtml(block.text)}</h2>`;
      case 'paragraph':
        return block.tone === 'note'
          ? `<p style="margin:0 0 12px;padding:8px 12px;background:#fff7ed;border-left:4px solid #c2410c;">${inlineHtml(block.text)}</p>`
          : `<p style="margin:0 0 12px;">${inlineHtml(block.text)}</p>`;
      case 'list':
        return `<ul style="margin:0 0 12px;padding-left:20px;">${block.items.map((item) => `<li>${inlineHtml(item)}</li>`).join('')}</ul>`;
      case 'table':
        return tableHtml(block);
      case 'links': {
        // What gives up the order stands apart from the answers that keep it.
        const keeping = block.links.filter((link) => !link.destructive);
        const giving = block.links.filter((link) => link.destructive);
        return [keeping, giving]
          .filter((links) => links.length > 0)
          .map((links) => `<p style="margin:0 0 12px;">${links.map(buttonHtml).join('')}</p>`)
          .join('\n');
      }
    }
  });
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(doc.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<meta name="x-apple-disable-message-reformatting"><title>${inlineHtml(doc.title)}</title><style>${NARROW_SCREEN}</style></head>`,
    `<body style="margin:0;padding:0;background:#f3f4f6;">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td class="outer" align="center" style="padding:24px 12px;">`,
    `<table role="presentation" width="820" cellpadding="0" cellspacing="0" style="width:100%;max-width:820px;background:#ffffff;border:1px solid #d1d5db;${FONT}font-size:14px;line-height:1.5;color:#1f2937;">`,
    `<tr><td class="inner" style="padding:20px 24px;border-bottom:3px solid #c2410c;${WRAP}"><h1 style="margin:0;font-size:20px;color:#111827;">${inlineHtml(doc.title)}</h1></td></tr>`,
    `<tr><td class="inner" style="padding:20px 24px;${WRAP}">${blocks.join('\n')}</td></tr>`,
    `<tr><td class="inner" style="padding:12px 24px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280;${WRAP}">${inlineHtml(doc.footer)}</td></tr>`,
    '</table></td></tr></table></body></html>',
    '',
  ].join('\n');
}
