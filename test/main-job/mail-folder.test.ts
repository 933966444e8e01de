// The main job's mail folder over several runs: the SMTP sink numbers its .eml files on after the ones an
// earlier run left, so runs never interleave, and says how many the folder holds beside what this run got.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { expect, it } from 'vitest';
import { startSmtpSink } from '../../src/embedded/smtp-sink';

async function runOnce(dir: string, messages: number) {
  const sink = await startSmtpSink({ dir });
  const transport = nodemailer.createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true });
  try {
    for (let n = 0; n < messages; n++) {
      await transport.sendMail({ from: 'desk@example.com', to: 'buyer@example.com', subject: `run message ${n}`, text: 'hello', messageId: `<m${Date.now()}-${n}@example.com>` });
    }
    return { received: sink.messages().length, kept: sink.keptFiles() };
  } finally {
    transport.close();
    await sink.close();
  }
}

it('numbers mail files on after an earlier run, and counts what the folder keeps beside what this run received', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockout-mail-runs-'));
  expect(await runOnce(dir, 2)).toEqual({ received: 2, kept: 2 });
  expect(await runOnce(dir, 3)).toEqual({ received: 3, kept: 5 });
  const numbers = readdirSync(dir).sort().map((name) => name.split('-')[0]);
  expect(numbers).toEqual(['000001', '000002', '000003', '000004', '000005']);
});
