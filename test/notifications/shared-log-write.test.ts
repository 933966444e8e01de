// Parallel deliveries in one process share their communication-log writes (src/notifications/mailer.ts,
// groupedRecords). One transient failure of a shared write, with three notice batches in it, counted where it
// shows: emails per recipient at the real SMTP sink, records per Message-ID in the reference CRM over HTTP, and
// the batch attempts that failed.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import type { CrmSystem } from '../../src/crm/system';
import { buildCustomerMessage, deliverBatch, type MailSender } from '../../src/notifications/mailer';
import type { ComposedNotices } from '../../src/notifications/notices';
import { noticesRefOf } from '../../activities/notifications';
import { testActivityDeps } from '../harness/activity-deps';
import { startWithClients, tinyDataset } from '../reference-service/fixture';
import { customerNotice, FROM } from './fixtures';

const BATCHES = 3;
const PER_BATCH = 2;
const CUSTOMERS = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
const INCIDENT = 'INC-2025-0042';
const WRITE_ROUTE = 'POST /communications/batch';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * The reference CRM (C3 to C6 added to the tiny data set) and a sink, wired so that the first log write waits until
 * the server accepted every message (the other outcomes queue behind it: the next write carries all three batches'),
 * and that next write is answered 503 by the CRM itself.
 */
async function hiccupWorld() {
  const dataset = tinyDataset();
  const template = dataset.customers[1]!;
  for (const customerId of CUSTOMERS.slice(2)) dataset.customers.push({ ...template, customerId, name: `Customer ${customerId}` });
  const { service, inventory, crm: real } = await startWithClients({ dataset });
  closers.push(() => service.close());
  expect(service.routes.crm).toContain(WRITE_ROUTE);

  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  /** The customers of each write request, in the order sent, and whether the CRM took it. */
  const writes: { customers: string[]; ok: boolean }[] = [];
  const crm: CrmSystem = {
    ...real,
    async recordCommunications(request) {
      const write = { customers: request.items.map((item) => item.customerId!).sort(), ok: false };
      const n = writes.push(write);
      if (n === 1) await hold;
      // The writer has one request in flight at a time, so the fault meets this request alone.
      if (n === 2) service.faults.set({ errorRate: 1, routes: [WRITE_ROUTE] });
      try {
        const logged = await real.recordCommunications(request);
        write.ok = true;
        return logged;
      } finally {
        if (n === 2) service.faults.set({});
      }
    },
  };

  const mailed = await testActivityDeps({ inventory, crm });
  closers.push(() => mailed.close());
  let accepted = 0;
  const transport: MailSender = {
    async sendMail(mail) {
      const info = await mailed.deps.mail.transport.sendMail(mail);
      if (++accepted === CUSTOMERS.length) setImmediate(release);
      return info;
    },
  };

  const messages = CUSTOMERS.map((customerId) => buildCustomerMessage(customerNotice({ customerId }), FROM));
  return {
    service,
    writes,
    transport,
    messages,
    activities: createActivities({ ...mailed.deps, crm, mail: { ...mailed.deps.mail, transport } }),
    store: mailed.store,
    crm,
    /** Emails per recipient at the sink. */
    emailsPer: () => count(mailed.sink.messages().map((m) => m.envelope.to[0]!)),
    /** Records per Message-ID in the CRM. */
    async recordsPer() {
      const page = await real.listCommunications({ incidentId: INCIDENT, limit: 100 });
      expect(page.nextCursor).toBeNull();
      return count(page.communications.map((c) => c.messageId));
    },
  };
}

function count(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

const once = (keys: string[]) => Object.fromEntries(keys.map((key) => [key, 1]));

/** The shared write the hiccup hit carried outcomes of every batch (else the test shows nothing about sharing). */
function expectSharedWriteFailed(writes: { customers: string[]; ok: boolean }[]) {
  expect(writes[0]).toMatchObject({ ok: true });
  expect(writes[0]!.customers).toHaveLength(1);
  expect(writes[1]).toEqual({ customers: CUSTOMERS.filter((c) => c !== writes[0]!.customers[0]), ok: false });
}

it('a transient failure of a write three notice batches share fails none of them, sends each email once and logs it once', async () => {
  const world = await hiccupWorld();
  const noticesRef = noticesRefOf('first-notice', 0);
  await world.store.put(INCIDENT, noticesRef, { notices: CUSTOMERS.map((customerId) => customerNotice({ customerId })), digests: [] } satisfies ComposedNotices);

  // Each batch an activity, retried as Temporal retries it: the next attempt is handed the last heartbeat's details.
  let failedAttempts = 0;
  const results = await Promise.all(
    Array.from({ length: BATCHES }, async (_, batch) => {
      let details: unknown;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const env = new MockActivityEnvironment({ attempt, heartbeatDetails: details }, { logger: new DefaultLogger('ERROR') });
        env.on('heartbeat', (d: unknown) => (details = d));
        try {
          return await env.run(world.activities.deliverNoticeBatch, { incidentId: INCIDENT, noticesRef, batch, batchSize: PER_BATCH });
        } catch {
          failedAttempts += 1;
        }
      }
      throw new Error(`batch ${batch} failed three attempts`);
    }),
  );

  expectSharedWriteFailed(world.writes);
  expect(failedAttempts).toBe(0);
  expect(results).toEqual(Array(BATCHES).fill({ sent: PER_BATCH, skipped: 0, rejected: 0 }));
  expect(world.emailsPer()).toEqual(once(CUSTOMERS.map((c) => `${c.toLowerCase()}@customer.example`)));
  expect(await world.recordsPer()).toEqual(once(world.messages.map((m) => m.messageId)));
});

it('without heartbeat progress (a delivery that keeps none, or progress lost with its worker) the same failure resends nothing', async () => {
  const world = await hiccupWorld();
  const batches = Array.from({ length: BATCHES }, (_, b) => world.messages.slice(b * PER_BATCH, (b + 1) * PER_BATCH));

  const first = await Promise.allSettled(batches.map((batch) => deliverBatch(world.transport, world.crm, batch)));
  const failed = batches.filter((_, b) => first[b]!.status === 'rejected');
  // The reruns of the failed batches, as their activities' retries would send them.
  for (const batch of failed) await deliverBatch(world.transport, world.crm, batch);

  expectSharedWriteFailed(world.writes);
  expect(failed).toHaveLength(0);
  expect(world.emailsPer()).toEqual(once(CUSTOMERS.map((c) => `${c.toLowerCase()}@customer.example`)));
  expect(await world.recordsPer()).toEqual(once(world.messages.map((m) => m.messageId)));
});
