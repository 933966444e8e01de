// Just enough RFC 5322 / MIME reading for the SMTP sink and its tests: unfolded headers, encoded words,
// and the text/html leaves of a multipart message. Not a general mail parser (none is installed).

export interface ParsedMessage {
  /** Every header in order, unfolded, with RFC 2047 encoded words decoded. */
  headers: Array<{ name: string; value: string }>;
  contentType: string;
  text?: string;
  html?: string;
}

export function headerValue(headers: ParsedMessage['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === wanted)?.value;
}

export function parseRawMessage(raw: string): ParsedMessage {
  const { headers, body } = splitEntity(raw);
  const message: ParsedMessage = { headers, contentType: mediaType(headers) };
  collectLeaves(headers, body, message);
  return message;
}

function splitEntity(entity: string): { headers: ParsedMessage['headers']; body: string } {
  const match = /\r?\n\r?\n/.exec(entity);
  const head = match ? entity.slice(0, match.index) : entity;
  const body = match ? entity.slice(match.index + match[0].length) : '';
  const headers = head
    .split(/\r?\n(?![ \t])/) // a line starting with blank continues the previous header (folding)
    .filter((line) => line.includes(':'))
    .map((line) => {
      const colon = line.indexOf(':');
      return { name: line.slice(0, colon).trim(), value: decodeEncodedWords(line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim()) };
    });
  return { headers, body };
}

function mediaType(headers: ParsedMessage['headers']): string {
  return (headerValue(headers, 'Content-Type') ?? 'text/plain').split(';')[0]?.trim().toLowerCase() ?? 'text/plain';
}

function collectLeaves(headers: ParsedMessage['headers'], body: string, into: ParsedMessage): void {
  const type = mediaType(headers);
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(headerValue(headers, 'Content-Type') ?? '')?.[1];
    if (!boundary) return;
    const sections = body.split(`--${boundary}`).slice(1); // before the first delimiter is the preamble
    for (const section of sections) {
      if (section.startsWith('--')) break; // closing delimiter
      const part = splitEntity(section.replace(/^\r?\n/, ''));
      collectLeaves(part.headers, part.body, into);
    }
    return;
  }
  const decoded = decodeBody(body, headerValue(headers, 'Content-Transfer-Encoding') ?? '7bit');
  if (type === 'text/plain' && into.text === undefined) into.text = decoded;
  if (type === 'text/html' && into.html === undefined) into.html = decoded;
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

/** QP keeps non-ASCII as =XX bytes, so mapping each byte to a latin1 char and re-reading as UTF-8 is exact. */
function decodeQuotedPrintable(value: string): string {
  const bytes = value.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** RFC 2047 `=?charset?Q|B?text?=`; blanks between two adjacent encoded words are not part of the text. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}
