// An SMTP server on loopback that accepts mail and keeps it: every message as an .eml file in `dir` and in
// memory. The main job uses it as its default mail server and the tests deliver to it over real SMTP.
// It prints nothing itself; the caller says where the emails are.
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerError } from 'smtp-server';
import { headerValue, parseRawMessage } from '../notifications/raw-message';

export interface SmtpSinkOptions {
  port?: number;
  host?: string;
  dir?: string;
  /** Recipients answered with 550 (permanent refusal) at RCPT TO. */
  rejectRecipients?: (recipient: string) => boolean;
  /** Recipients answered with 451 (try again later) at RCPT TO, to exercise retries. */
  deferRecipients?: (recipient: string) => boolean;
  /** Messages to these recipients refused with 554 after DATA (content refused). */
  refuseMessages?: (recipient: string) => boolean;
  /** Require AUTH (PLAIN or LOGIN over the plain loopback connection) with these credentials; others get 535. */
  auth?: { user: string; pass: string };
  /** Answer every MAIL FROM with this refusal, e.g. 530 (STARTTLS required) or 550 (sender not allowed). */
  refuseSender?: { responseCode: number; message: string };
}

export interface StoredMessage {
  /** Path of the .eml file. */
  file: string;
  /** SMTP envelope: who the message was really delivered to, whatever the headers say. */
  envelope: { from: string; to: string[] };
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  headers: Array<{ name: string; value: string }>;
  text?: string;
  html?: string;
  raw: string;
  /** When the sink accepted it (ms since the epoch): tests count messages per time window. */
  receivedAt: number;
}

export interface SmtpSink {
  host: string;
  port: number;
  dir: string;
  /** The messages this sink received since it started. */
  messages(): StoredMessage[];
  /** Message files in `dir`, earlier runs' included. */
  keptFiles(): number;
  close(): Promise<void>;
}

/** Message files are named `<sequence>-<message id>.eml`: a sink on a folder kept from an earlier run numbers on after it. */
const KEPT_FILE = /^(\d+)-.*\.eml$/;

function refusal(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'stockout-mail-'));
  mkdirSync(dir, { recursive: true });
  const stored: StoredMessage[] = [];
  const keptFiles = () => readdirSync(dir).filter((name) => KEPT_FILE.test(name));
  let sequence = Math.max(0, ...keptFiles().map((name) => Number(KEPT_FILE.exec(name)![1])));

  const { auth } = options;
  const server = new SMTPServer({
    // Loopback only, for development and tests: no TLS, and so no default-certificate warning; AUTH only
    // when a test asks for it (then over the plain connection, which only loopback makes acceptable).
    disabledCommands: auth ? ['STARTTLS'] : ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    authOptional: !auth,
    ...(auth ? { allowInsecureAuth: true, authMethods: ['PLAIN', 'LOGIN'] } : {}),
    logger: false,
    size: 10 * 1024 * 1024,
    closeTimeout: 1000,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) return callback(null, { user: auth.user });
      callback(refusal(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, _session, callback) {
      const refused = options.refuseSender;
      callback(refused ? refusal(refused.responseCode, refused.message) : undefined);
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.(address.address)) return callback(refusal(550, 'Mailbox unavailable'));
      if (options.deferRecipients?.(address.address)) return callback(refusal(451, 'Mailbox busy, try again later'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(refusal(552, 'Message exceeds the size limit'));
        if (session.envelope.rcptTo.some((r) => options.refuseMessages?.(r.address))) return callback(refusal(554, 'Message refused'));
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseRawMessage(raw);
        const messageId = headerValue(parsed.headers, 'Message-ID') ?? '';
        const name = `${String(++sequence).padStart(6, '0')}-${messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 24) || 'no-id'}.eml`;
        const file = join(dir, name);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        // Answer 250 only once the file is written, so "accepted" means "kept".
        writeFile(file, raw).then(
          () => {
            stored.push({
              file,
              envelope: { from: envelopeFrom, to: envelopeTo },
              from: headerValue(parsed.headers, 'From') ?? '',
              to: envelopeTo,
              subject: headerValue(parsed.headers, 'Subject') ?? '',
              messageId,
              headers: parsed.headers,
              ...(parsed.text !== undefined ? { text: parsed.text } : {}),
              ...(parsed.html !== undefined ? { html: parsed.html } : {}),
              raw,
              receivedAt: Date.now(),
            });
            callback(null, `Kept as ${name}`);
          },
          (error: Error) => callback(refusal(451, `Could not store the message: ${error.message}`)),
        );
      });
    },
  });

  // A client that dies in the middle of a message (a killed worker) resets its connection; smtp-server reports
  // that as an 'error' event, which unheard would end this process. The message never arrived, so nothing is lost.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    host,
    port,
    dir,
    messages: () => [...stored],
    keptFiles: () => keptFiles().length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
