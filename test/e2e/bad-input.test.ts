// Bad input that used to get through, refused over the real API, CLI and worker on the Temporal dev server with
// the reference inventory service and the SMTP sink (issue 18, and issue 13's commands that wrote the wrong
// thing): an unknown network, ETAs in the past or years ahead, absurd quantities, another SKU's purchase order,
// a location outside the network, another customer's order line, prototype-polluting bodies, HTTP-level errors
// on the customer pages. Each refusal names the field, and afterwards no workflow started, no email went out
// and the inventory system's books are as they were. A command that parked the incident can be withdrawn.
// Last, a fast-check fuzz of the webhook, start, restock, ETA and answer bodies.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { IncidentSnapshot } from '../../activities/shared';
import type { RunningApi } from '../../src/api/server';
import { run } from '../../src/cli/main';
import { calendarDate } from '../../src/incident/follow-up-checks';
import type { IncidentState } from '../../src/incident/state';
import type { IncidentOperations } from '../../src/operations/incident-operations';
import { scanScheduleId } from '../../src/temporal/schedules';
import { changeEtaUpdate, recordRestockUpdate } from '../../workflows/definitions';
import { spawnWatched } from '../harness/process';
import { startApiWorld, waitForShown, type ApiWorld } from '../harness/api-world';
import { emailsByKind, expectUpdateRejected, SHORT_SKU, type World } from '../incident/world';

const TOKEN = 'bad-input-token-bad-input';
const root = new URL('../../', import.meta.url).pathname;

let stack: ApiWorld;
let env: TestWorkflowEnvironment;
let world: World;
let api: RunningApi;
let operations: IncidentOperations;
let id: string;
let opened: IncidentState;
/** The incident's own purchase order, another SKU's, and a line of the incident with its customer and another customer. */
let po: string;
let othersPo: string;
let othersPoEta: string;
let line: { lineId: string; customerId: string };
let otherCustomer: string;

beforeAll(async () => {
  // Dates of the data set (requested dates, ETAs) relative to today, as the ETA rules are.
  ({ env, world, api, operations } = stack = await startApiWorld({ token: TOKEN, world: { dataset: { asOf: calendarDate(Date.now(), 'UTC') } } }));
  stack.runWorker();

  // One incident through to its follow-up: the one every bad command below is sent to.
  const started = await call('POST', '/webhooks/inventory/critical-level', { sku: SHORT_SKU, network: world.network, onHand: 40, criticalLevel: 120, eventId: `e-${randomUUID()}` });
  expect(started.status).toBe(202);
  id = String(started.body.workflowId);
  const decided = await waitFor((s) => s.stage === 'awaiting-approval' || s.stage === 'following-up');
  if (decided.stage === 'awaiting-approval') await operations.decide(id, { decision: 'approve', planRevision: decided.plan!.revision, decidedBy: 'ann' });
  opened = await waitFor((s) => s.stage === 'following-up' && s.pendingEvents === 0 && (s.deliveries?.length ?? 0) > 0);
  po = Object.keys(opened.impact!.inboundEtas!).sort()[0]!;
  ({ poId: othersPo, eta: othersPoEta } = (await world.deps.inventory.listInbound('SKU-0004'))[0]!);
  const snapshot = (await world.store.get<IncidentSnapshot>(opened.incidentId, 'snapshot'))!;
  line = snapshot.lines[0]!;
  otherCustomer = snapshot.lines.find((l) => l.customerId !== line.customerId)!.customerId;
}, 120_000);

afterAll(() => stack?.close());

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as { error?: string; issues?: { path: string }[]; [key: string]: unknown } };
}

const incidentPath = (suffix: string) => `/incidents/${encodeURIComponent(id)}/${suffix}`;

async function cli(...argv: string[]) {
  let out = '';
  const code = await run(argv, { operations, stdout: { write: (chunk: string) => ((out += chunk), true) } });
  return { code, out };
}

const waitFor = (done: (state: IncidentState) => boolean) => waitForShown(operations, id, done);

/** Every field a refusal names: its issues' paths and the fields its message starts with. */
function namedFields(body: { error?: string; issues?: { path: string }[] }): string[] {
  return [...(body.issues ?? []).map((i) => i.path), ...(body.error ?? '').split('; ').map((part) => part.split(':')[0]!)];
}

/** What must not change: the books, the emails, the incident's follow-ups and triggers, and what runs in the network. */
async function observed() {
  const state = await operations.show(id);
  const books = await world.deps.inventory.checkBooks();
  return {
    books,
    emails: world.sink.messages().length,
    incident: {
      stage: state.stage,
      pendingEvents: state.pendingEvents,
      receiptsApplied: state.receiptsApplied,
      answersApplied: state.answersApplied,
      etaRevision: state.etaRevision,
      restockRounds: state.restockRounds,
      inboundEtas: state.inboundEtas ?? null,
      triggers: state.triggers.length,
      timeline: state.timeline.length,
      timelineDropped: state.timelineDropped,
      backorders: state.backorders,
    },
  };
}

async function expectNothingChanged(before: Awaited<ReturnType<typeof observed>>) {
  const after = await observed();
  expect(after).toEqual(before);
  expect(after.books.balanced).toBe(true);
}

describe('an unknown network', () => {
  it('is refused 422 naming the network for the webhook, the manual start and the CLI, and nothing starts', async () => {
    const before = await observed();
    const webhook = await call('POST', '/webhooks/inventory/critical-level', { sku: SHORT_SKU, network: 'NO-SUCH-NET', onHand: 1, criticalLevel: 10, eventId: 'e-net' });
    expect(webhook.status).toBe(422);
    expect(namedFields(webhook.body)).toContain('trigger.network');
    const manual = await call('POST', '/incidents', { sku: SHORT_SKU, network: 'NO-SUCH-NET', reason: 'typo in the network' });
    expect(manual.status).toBe(422);
    expect(namedFields(manual.body)).toContain('trigger.network');
    const started = await cli('start', '--sku', SHORT_SKU, '--network', 'NO-SUCH-NET', '--reason', 'typo');
    expect(started.code).toBe(2);
    expect(started.out).toMatch(/trigger\.network: the inventory system has no network NO-SUCH-NET/);
    expect(await operations.latest('NO-SUCH-NET', SHORT_SKU)).toBeNull();
    await expectNothingChanged(before);
  });

  it('in STOCKOUT_SCAN_NETWORKS stops the worker at start, naming the variable, before any schedule is made', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stockout-bad-scan-'));
    const network = `NO-SUCH-NET-${randomUUID().slice(0, 8)}`;
    try {
      const workerProcess = spawnWatched(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          TEMPORAL_ADDRESS: inject('devServerAddress'),
          INVENTORY_URL: world.service.inventoryUrl,
          CRM_URL: world.service.crmUrl,
          ANSWER_LINK_SECRET: 'answer-link-secret-answer-link-secret',
          STOCKOUT_DATA_DIR: dataDir,
          STOCKOUT_TASK_QUEUE: `bad-scan-${randomUUID()}`,
          STOCKOUT_SCAN_NETWORKS: `${world.network},${network}`,
        },
      });
      const exit = await Promise.race([
        workerProcess.exited,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000)),
      ]);
      if (exit === null) workerProcess.child.kill('SIGKILL');
      expect(exit?.code, workerProcess.output()).toBe(2);
      expect(workerProcess.output()).toContain(`env.STOCKOUT_SCAN_NETWORKS: the inventory system has no network ${network}`);
      for (const watched of [world.network, network]) {
        await expect(env.client.schedule.getHandle(scanScheduleId(watched)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('ETAs', () => {
  it('keeps the network time zone of the hub, where "today" of an ETA begins', () => {
    expect(opened.impact!.timeZone).toBe('Europe/Berlin');
    expect(opened.impact!.locationIds).toContain(`${world.network}-HUB`);
  });

  it('refuses one before today or more than a year ahead, naming eta, up front and in the update validator', async () => {
    const before = await observed();
    const today = calendarDate(Date.now(), 'Europe/Berlin');
    const yesterday = calendarDate(Date.now() - 86_400_000, 'Europe/Berlin');
    const inTwoYears = `${Number(today.slice(0, 4)) + 2}${today.slice(4)}`;
    for (const eta of ['2001-01-01', yesterday, inTwoYears]) {
      const refused = await call('POST', incidentPath('eta-changes'), { poId: po, eta, reason: 'supplier' });
      expect(refused.status, eta).toBe(422);
      expect(namedFields(refused.body)).toContain('eta.eta');
      const viaCli = await cli('eta', id, '--po', po, '--eta', eta);
      expect(viaCli.code, eta).toBe(4);
      expect(viaCli.out).toMatch(/eta\.eta: /);
      // A client that goes to Temporal directly meets the same rule in the workflow's validator.
      await expectUpdateRejected(env.client.workflow.getHandle(id).executeUpdate(changeEtaUpdate, { args: [{ poId: po, eta }] }), /^eta\.eta: /);
    }
    await expectNothingChanged(before);
    expect(emailsByKind(world)['eta-change']).toBeUndefined();
  });

  it("refuses a purchase order that is not the incident's own, naming eta.poId (CLI exit 4, HTTP 422, validator)", async () => {
    const before = await observed();
    const eta = calendarDate(Date.now() + 10 * 86_400_000, 'Europe/Berlin');
    for (const poId of [othersPo, 'PO-999999']) {
      const viaCli = await cli('eta', id, '--po', poId, '--eta', eta);
      expect(viaCli.code, poId).toBe(4);
      expect(viaCli.out).toContain(`eta.poId: ${poId} is not an inbound purchase order of ${SHORT_SKU} in network ${world.network}`);
      const viaApi = await call('POST', incidentPath('eta-changes'), { poId, eta });
      expect(viaApi.status).toBe(422);
      expect(namedFields(viaApi.body)).toContain('eta.poId');
      await expectUpdateRejected(env.client.workflow.getHandle(id).executeUpdate(changeEtaUpdate, { args: [{ poId, eta }] }), /^eta\.poId: /);
    }
    // The other SKU's order kept its date.
    expect((await world.deps.inventory.listInbound('SKU-0004')).find((p) => p.poId === othersPo)!.eta).toBe(othersPoEta);
    await expectNothingChanged(before);
  });
});

describe('quantities and receipts', () => {
  it('refuses absurd, fractional and non-positive figures for restocks, overrides and answers, naming the field', async () => {
    const before = await observed();
    for (const quantity of [1e15, 1_000_000_001, 2.5, 0, -3]) {
      const refused = await call('POST', incidentPath('restocks'), { receiptId: 'GR-HUGE', quantity });
      expect(refused.status, String(quantity)).toBe(400);
      expect(namedFields(refused.body)).toContain('body.quantity');
    }
    expect((await cli('restock', id, '--receipt', 'GR-HUGE', '--quantity', '1000000000000000')).out).toMatch(/--quantity: /);
    const override = await call('POST', incidentPath('decision'), { decision: 'approve', planRevision: 0, decidedBy: 'ann', overrides: [{ lineId: line.lineId, allocate: 1e12 }] });
    expect(override.status).toBe(400);
    expect(namedFields(override.body)).toContain('body.overrides.0.allocate');
    const answer = await call('POST', incidentPath('answers'), { answer: 'can-wait', answerId: 'a-huge', customerId: line.customerId, lineId: line.lineId, onHand: 1e13 });
    expect(answer.status).toBe(400);
    expect(namedFields(answer.body)).toContain('body.onHand');
    await expectNothingChanged(before);
  });

  it("refuses a restock naming another SKU's purchase order or a location outside the network, at once", async () => {
    const before = await observed();
    const cases = [
      { body: { receiptId: 'GR-OTHER-PO', quantity: 10, poId: othersPo }, field: 'restock.poId' },
      { body: { receiptId: 'GR-NO-PO', quantity: 10, poId: 'PO-999999' }, field: 'restock.poId' },
      { body: { receiptId: 'GR-ELSEWHERE', quantity: 10, locationId: 'ELSEWHERE-HUB' }, field: 'restock.locationId' },
    ];
    for (const { body, field } of cases) {
      const refused = await call('POST', incidentPath('restocks'), body);
      expect(refused.status, field).toBe(422);
      expect(namedFields(refused.body)).toContain(field);
      await expectUpdateRejected(env.client.workflow.getHandle(id).executeUpdate(recordRestockUpdate, { args: [body] }), new RegExp(`^${field.replace('.', '\\.')}: `));
    }
    const viaCli = await cli('restock', id, '--receipt', 'GR-OTHER-PO', '--quantity', '10', '--po', othersPo);
    expect(viaCli.code).toBe(4);
    expect(viaCli.out).toContain('restock.poId');
    await expectNothingChanged(before);
  });
});

describe('customer answers', () => {
  it("refuses an answer about another customer's line, or a line not in the incident, before it is accepted", async () => {
    const before = await observed();
    const viaCli = await cli('answer', id, '--customer', otherCustomer, '--line', line.lineId, '--answer', 'cancel');
    expect(viaCli.code).toBe(4);
    expect(viaCli.out).toContain(`answer.lineId: line ${line.lineId} is not an order line of ${otherCustomer}`);
    expect(viaCli.out).not.toMatch(/accepted/);
    for (const body of [
      { answer: 'cancel', answerId: 'a-other', customerId: otherCustomer, lineId: line.lineId },
      { answer: 'accept-substitute', answerId: 'a-none', customerId: line.customerId, lineId: 'L-NOT-IN-IT' },
    ]) {
      const refused = await call('POST', incidentPath('answers'), body);
      expect(refused.status).toBe(422);
      expect(namedFields(refused.body)).toContain('answer.lineId');
    }
    await expectNothingChanged(before);
    expect((await operations.show(id)).timeline.some((t) => t.event.startsWith('customer answer'))).toBe(false);
  });
});

describe('HTTP-level errors and polluting bodies', () => {
  it('answers the customer pages with a page and a plain sentence for 414 and 413', async () => {
    const before = await observed();
    const tooLong = await fetch(`${api.url}/answers/${'a'.repeat(3000)}`);
    expect(tooLong.status).toBe(414);
    expect(tooLong.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await tooLong.text()).toContain('This link is longer than any link we send');
    const token = world.deps.answerLinks.sign({ w: id, i: opened.incidentId, c: line.customerId, l: line.lineId, a: 'can-wait' }, new Date());
    const tooLarge = await fetch(`${api.url}/answers/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `onHand=${'1'.repeat(5000)}`,
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await tooLarge.text();
    expect(html).toContain('larger than this page accepts');
    expect(html).not.toContain('{"error"');
    // The operator API keeps answering in JSON, without echoing the URL.
    const operatorTooLong = await call('GET', `/incidents/${'x'.repeat(3000)}`);
    expect(operatorTooLong.status).toBe(414);
    expect(operatorTooLong.body.error).toBe('request: the URL is too long');
    await expectNothingChanged(before);
  });

  it('refuses a body with prototype-polluting keys saying so, naming the key', async () => {
    const before = await observed();
    const cases = [
      { raw: `{"sku":"${SHORT_SKU}","network":"${world.network}","reason":"x","__proto__":{"admin":true}}`, field: 'body.__proto__', path: '/incidents' },
      { raw: `{"receiptId":"GR-P","quantity":1,"constructor":{"prototype":{"admin":true}}}`, field: 'body.constructor.prototype', path: incidentPath('restocks') },
      { raw: `{"poId":"${po}","eta":"2027-01-01","reason":{"__proto__":{"x":1}}}`, field: 'body.reason.__proto__', path: incidentPath('eta-changes') },
    ];
    for (const c of cases) {
      const refused = await call('POST', c.path, undefined, c.raw);
      expect(refused.status).toBe(400);
      expect(namedFields(refused.body)).toContain(c.field);
      expect(refused.body.error).toMatch(/prototype pollution/);
      expect(refused.body.error).not.toMatch(/not valid JSON/);
    }
    await expectNothingChanged(before);
  });
});

describe('a fuzz of the webhook, start, restock, ETA and answer bodies', () => {
  type Body = Record<string, unknown>;
  interface Endpoint {
    path: () => string;
    valid: () => Body;
    required: string[];
    /** Invalid values per field, with the fields a refusal may name for it (its own by default). */
    invalid: Record<string, fc.Arbitrary<unknown>>;
    /** A refusal of this field may name these instead (cross-field rules). */
    alsoNamed?: Record<string, string[]>;
  }
  const badId = fc.constantFrom<unknown>('', '   ', 'x'.repeat(201), 42, null, true, [], {});
  const badCode = fc.oneof(badId, fc.constantFrom('A:B', 'with space', 'line\r\nbreak', '-leading'));
  const badCount = fc.oneof(fc.constantFrom<unknown>(-1, 0, 2.5, 1e15, 1_000_000_001, '12', null, [], true), fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }));
  const badDate = fc.constantFrom<unknown>('2001-01-01', '1999-12-31', '2999-01-01', '2026-02-30', 'next week', '', 20270101, null);
  const unknown = (prefix: string) => fc.uuid().map((u) => `${prefix}-${u.slice(0, 8)}`);
  /** A value known only once the incident is open (the arbitraries are built before beforeAll runs). */
  const later = (value: () => string) => fc.constant(null).map(value);
  const endpoints: Record<string, Endpoint> = {
    webhook: {
      path: () => '/webhooks/inventory/critical-level',
      valid: () => ({ sku: SHORT_SKU, network: world.network, onHand: 1, criticalLevel: 10, eventId: 'fuzz-event' }),
      required: ['sku', 'network', 'onHand', 'criticalLevel', 'eventId'],
      invalid: {
        sku: fc.oneof(badCode, unknown('NO-SKU')),
        network: fc.oneof(badCode, unknown('NO-NET')),
        onHand: fc.constantFrom<unknown>(10, 11, 1e15, 2.5, 'low', null),
        criticalLevel: fc.constantFrom<unknown>(-1, 0, 1, 2.5, 'ten', null),
        eventId: badId,
      },
      alsoNamed: { criticalLevel: ['onHand'] },
    },
    start: {
      path: () => '/incidents',
      valid: () => ({ sku: SHORT_SKU, network: world.network, reason: 'fuzz', triggerId: 'fuzz-trigger' }),
      required: ['sku', 'network', 'reason'],
      invalid: {
        sku: fc.oneof(badCode, unknown('NO-SKU')),
        network: fc.oneof(badCode, unknown('NO-NET')),
        reason: fc.constantFrom<unknown>('', '   ', 'r'.repeat(501), 7, null),
        expectedRestock: badDate.filter((d) => typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d) || d === '2026-02-30'),
        triggerId: badId,
      },
    },
    restock: {
      path: () => incidentPath('restocks'),
      valid: () => ({ receiptId: 'GR-FUZZ', quantity: 5, poId: po, locationId: `${world.network}-HUB` }),
      required: ['receiptId', 'quantity'],
      invalid: { receiptId: badId, quantity: badCount, poId: fc.oneof(badId, unknown('PO'), later(() => othersPo)), locationId: fc.oneof(badId, unknown('NOWHERE')) },
    },
    eta: {
      path: () => incidentPath('eta-changes'),
      valid: () => ({ poId: po, eta: calendarDate(Date.now() + 5 * 86_400_000, 'Europe/Berlin'), reason: 'fuzz' }),
      required: ['poId', 'eta'],
      invalid: { poId: fc.oneof(badId, unknown('PO'), later(() => othersPo)), eta: badDate, reason: fc.constantFrom<unknown>('r'.repeat(501), 9, []) },
    },
    answer: {
      path: () => incidentPath('answers'),
      valid: () => ({ answer: 'can-wait', answerId: 'fuzz-answer', customerId: line.customerId, lineId: line.lineId, onHand: 5, dailyUsage: 1 }),
      required: ['answer', 'answerId', 'customerId', 'lineId'],
      invalid: {
        answer: fc.constantFrom<unknown>('maybe', '', null, 3),
        answerId: badId,
        customerId: fc.oneof(badId, later(() => otherCustomer), unknown('CUST')),
        lineId: fc.oneof(badId, unknown('L')),
        onHand: badCount.filter((v) => v !== 0),
        dailyUsage: fc.constantFrom<unknown>(0, -1, 1e15, 'lots', null),
      },
      alsoNamed: { customerId: ['lineId'] },
    },
  };
  const roots = ['body', 'trigger', 'restock', 'eta', 'answer'];

  /** One malformed body: a required field left out, a field set to a bad value, or a polluting key added. */
  const malformed = fc.constantFrom(...Object.keys(endpoints)).chain((name) => {
    const endpoint = endpoints[name]!;
    return fc.oneof(
      fc.constantFrom(...endpoint.required).map((field) => ({ name, kind: 'drop' as const, field, value: undefined as unknown })),
      fc.constantFrom(...Object.keys(endpoint.invalid)).chain((field) => endpoint.invalid[field]!.map((value) => ({ name, kind: 'set' as const, field, value }))),
      fc.constantFrom('__proto__', 'constructor').map((field) => ({ name, kind: 'pollute' as const, field, value: undefined as unknown })),
    );
  });

  it('answers every malformed body with a 4xx naming a field, never a 5xx, and changes nothing', async () => {
    const before = await observed();
    const triedNetworks = new Set<string>();
    await fc.assert(
      fc.asyncProperty(malformed, async (c) => {
        const endpoint = endpoints[c.name]!;
        const body = endpoint.valid();
        let raw: string;
        if (c.kind === 'drop') {
          delete body[c.field];
          raw = JSON.stringify(body);
        } else if (c.kind === 'set') {
          // An undefined value would leave the field out of the JSON: possibly a valid body.
          expect(c.value, c.field).not.toBeUndefined();
          body[c.field] = c.value;
          raw = JSON.stringify(body);
        } else {
          const polluting = c.field === '__proto__' ? '"__proto__":{"polluted":true}' : '"constructor":{"prototype":{"polluted":true}}';
          raw = `${JSON.stringify(body).slice(0, -1)},${polluting}}`;
        }
        if (typeof body.network === 'string' && typeof body.sku === 'string') triedNetworks.add(`${body.network}\u0000${body.sku}`);
        const response = await call('POST', endpoint.path(), undefined, raw);
        expect(response.status, `${c.name} ${raw}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${c.name} ${raw}`).toBeLessThan(500);
        const named = namedFields(response.body).filter((path) => roots.includes(path.split('.')[0]!));
        const expected = c.kind === 'pollute' ? [c.field === '__proto__' ? '__proto__' : 'prototype'] : [c.field, ...(endpoint.alsoNamed?.[c.field] ?? [])];
        expect(named.some((path) => expected.includes(path.split('.').at(-1)!)), `${c.name} ${raw} → ${JSON.stringify(response.body)}`).toBe(true);
      }),
      { numRuns: 200 },
    );
    await expectNothingChanged(before);
    for (const pair of triedNetworks) {
      const [network, sku] = pair.split('\u0000') as [string, string];
      if (network === world.network && sku === SHORT_SKU) continue;
      expect(await operations.latest(network, sku).catch(() => null), pair).toBeNull();
    }
  }, 120_000);
});

describe('a command that parked the incident', () => {
  it('takes an earlier ETA still ahead; when its write parks the incident, a person withdraws it with a reason', async () => {
    // Nothing is parked yet: there is nothing to withdraw.
    const early = await cli('resume', id, '--withdraw', '--reason', 'nothing', '--by', 'ann');
    expect(early.code).toBe(4);
    expect(early.out).toMatch(/withdraw: the incident is not parked/);

    // The buyer received the purchase order in full in the ERP; the planner, not knowing, moves its ETA up.
    const order = (await world.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.poId === po)!;
    await world.deps.inventory.recordReceipt({
      idempotencyKey: `received-in-erp-${po}`,
      sku: SHORT_SKU,
      locationId: order.locationId,
      quantity: order.quantity - order.receivedQuantity,
      poId: po,
    });
    const told = opened.impact!.inboundEtas![po]!;
    const earlier = calendarDate(Date.now() + 86_400_000, 'Europe/Berlin');
    expect(earlier < told).toBe(true);
    const emailsBefore = world.sink.messages().length;
    const accepted = await cli('eta', id, '--po', po, '--eta', earlier);
    expect(accepted.code, accepted.out).toBe(0);
    const parked = await waitFor((s) => s.stage === 'needs-attention');
    expect(parked.attention!.command).toBe(`ETA of ${po} → ${earlier}`);
    expect(parked.attention!.reason).toMatch(/received/);

    const withoutReason = await cli('resume', id, '--withdraw', '--by', 'ann');
    expect(withoutReason.code).toBe(2);
    expect(withoutReason.out).toMatch(/--reason/);
    const withdrawn = await cli('resume', id, '--withdraw', '--reason', 'PO received in full: no ETA to tell', '--by', 'ann');
    expect(withdrawn.code, withdrawn.out).toBe(0);
    const going = await waitFor((s) => s.stage === 'following-up' && s.attention === null && s.pendingEvents === 0);
    expect(going.timeline.find((t) => t.event === 'command withdrawn')?.detail).toBe(`ETA of ${po} → ${earlier}: ann: PO received in full: no ETA to tell`);
    // Nothing of the withdrawn change was applied or told.
    expect(going.etaRevision).toBe(opened.etaRevision);
    expect(going.inboundEtas ?? null).toEqual(opened.inboundEtas ?? null);
    expect(world.sink.messages().length).toBe(emailsBefore);
    expect((await world.deps.inventory.checkBooks()).balanced).toBe(true);
  });
});
