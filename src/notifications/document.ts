// A tiny document model rendered twice, to text and to HTML, so both parts of an email say the same thing
// and every value is escaped in exactly one place.

export type Block =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'list'; items: string[] }
  | { type: 'table'; columns: Array<{ title: string; align?: 'left' | 'right' }>; rows: string[][] }
  | { type: 'links'; links: Array<{ label: string; url: string }> };

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

/** One line of text: control characters and line breaks become spaces, runs of blanks collapse. */
export function singleLine(value: string): string {
  return value.replace(UNSAFE_INLINE, ' ').replace(/\s+/g, ' ').trim();
}

/** Text that is safe inside a header (subject, display name): single line, bounded length. */
export function headerSafe(value: string, maxLength = 180): string {
  return clip(singleLine(value), maxLength);
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

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderDocument(doc: EmailDocument): RenderedBody {
  return { text: renderText(doc), html: renderHtml(doc) };
}

function renderText(doc: EmailDocument): string {
  const title = singleLine(doc.title);
  const parts = [`${title}\n${'='.repeat(Math.min(title.length, 72))}`];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'heading': {
        const text = singleLine(block.text);
        parts.push(`${text}\n${'-'.repeat(Math.min(text.length, 72))}`);
        break;
      }
      case 'paragraph':
        parts.push(singleLine(block.text));
        break;
      case 'list':
        parts.push(block.items.map((item) => `  * ${singleLine(item)}`).join('\n'));
        break;
      case 'table':
        // Plain text has no reliable columns (proportional fonts), so each row becomes one labelled line.
        parts.push(
          block.rows
            .map((row) =>
              block.columns
                .map((column, i) => [singleLine(column.title), singleLine(row[i] ?? '')] as const)
                .filter(([, value]) => value !== '')
                .map(([title, value]) => `${title}: ${value}`)
                .join(', '),
            )
            .map((line) => `  * ${line}`)
            .join('\n'),
        );
        break;
      case 'links':
        parts.push(block.links.map((link) => `  > ${singleLine(link.label)}: ${link.url}`).join('\n'));
        break;
    }
  }
  parts.push(`--\n${singleLine(doc.footer)}`);
  return `${parts.join('\n\n')}\n`;
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const CELL = 'padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;';

function renderHtml(doc: EmailDocument): string {
  const h = (value: string) => escapeHtml(singleLine(value));
  const blocks = doc.blocks.map((block) => {
    switch (block.type) {
      case 'heading':
        return `<h2 style="margin:20px 0 8px;font-size:16px;color:#111827;">${h(block.text)}</h2>`;
      case 'paragraph':
        return `<p style="margin:0 0 12px;">${h(block.text)}</p>`;
      case 'list':
        return `<ul style="margin:0 0 12px;padding-left:20px;">${block.items.map((item) => `<li>${h(item)}</li>`).join('')}</ul>`;
      case 'table': {
        const align = (i: number) => `text-align:${block.columns[i]?.align ?? 'left'};`;
        const head = block.columns
          .map((column, i) => `<th style="${CELL}${align(i)}border-bottom:2px solid #9ca3af;font-size:13px;">${h(column.title)}</th>`)
          .join('');
        const rows = block.rows
          .map((row) => `<tr>${block.columns.map((_, i) => `<td style="${CELL}${align(i)}">${h(row[i] ?? '')}</td>`).join('')}</tr>`)
          .join('');
        return (
          `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:100%;margin:0 0 16px;font-size:13px;">` +
          `<thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`
        );
      }
      case 'links':
        return `<p style="margin:0 0 12px;">${block.links
          .map(
            (link) =>
              `<a href="${escapeHtml(link.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:10px 16px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px;">${h(link.label)}</a>`,
          )
          .join('')}</p>`;
    }
  });
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(doc.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${h(doc.title)}</title></head>`,
    `<body style="margin:0;padding:0;background:#f3f4f6;">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 12px;">`,
    `<table role="presentation" width="640" cellpadding="0" cellspacing="0" style="width:100%;max-width:640px;background:#ffffff;border:1px solid #d1d5db;${FONT}font-size:14px;line-height:1.5;color:#1f2937;">`,
    `<tr><td style="padding:20px 24px;border-bottom:3px solid #c2410c;"><h1 style="margin:0;font-size:20px;color:#111827;">${h(doc.title)}</h1></td></tr>`,
    `<tr><td style="padding:20px 24px;">${blocks.join('\n')}</td></tr>`,
    `<tr><td style="padding:12px 24px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280;">${h(doc.footer)}</td></tr>`,
    '</table></td></tr></table></body></html>',
    '',
  ].join('\n');
}
