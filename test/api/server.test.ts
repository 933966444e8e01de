// The HTTP API over real HTTP with a recording fake of the operations: validation before anything is
// called, bearer auth, answer links, the OpenAPI document and what reaches the log.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAnswerLinks } from '../../src/answer-links';
import { OperationError } from '../../src/operations/incident-operations';
import { buildApi, redactUrl, startApi, type ApiOptions } from '../../src/api/server';
import { fakeOperations } from './fake-operations';

const TOKEN = 'operator-token-0123456789';
const LINK_SECRET = 'answer-link-secret-answer-link-secret';
const answerLinks = createAnswerLinks({ secret: LINK_SECRET, ttlDays: 14, baseUrl: 'http://127.0.0.1:7300' });
const auth = { authorization: `Bearer ${TOKEN}` };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(options: Partial<ApiOptions> & { operations: ApiOptions['operations'] }) {
  ({ app } = buildApi({ config: { API_TOKEN: TOKEN }, answerLinks, ...options }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const base = `http://127.0.0.1:${address.port}`;
  return (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}) =>
    fetch(`${base}${path}`, {
      method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
      headers: { ...(init.body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
}

/** Every route of the brief, as the OpenAPI document must list it. */
const ROUTES = [
  ['get', '/health'],
  ['get', '/openapi.json'],
  ['post', '/incidents'],
  ['get', '/incidents'],
  ['get', '/incidents/{id}'],
  ['post', '/incidents/{id}/simulate'],
  ['post', '/incidents/{id}/decision'],
  ['get', '/incidents/{id}/plan'],
  ['get', '/incidents/{id}/plan/customers'],
  ['get', '/incidents/{id}/plan/compare'],
  ['post', '/incidents/{id}/plan/preview'],
  ['post', '/incidents/{id}/restocks'],
  ['post', '/incidents/{id}/eta-changes'],
  ['post', '/incidents/{id}/answers'],
  ['post', '/incidents/{id}/cancel'],
  ['post', '/incidents/{id}/resume'],
  ['post', '/incidents/{id}/withdraw'],
  ['get', '/incidents/{id}/report'],
  ['post', '/webhooks/inventory/critical-level'],
  ['post', '/webhooks/inventory/order-event'],
  ['get', '/answers/{token}'],
  ['post', '/answers/{token}'],
] as const;
const PUBLIC = new Set(['/health', '/openapi.json', '/answers/{token}']);

describe('input validation: a bad request is refused naming the field, and nothing is called', () => {
  const cases: { name: string; path: string; body?: unknown; field: string }[] = [
    { name: 'manual trigger without reason', path: '/incidents', body: { sku: 'SKU-1', network: 'eu' }, field: 'body.reason' },
    { name: 'manual trigger with a bad date', path: '/incidents', body: { sku: 'SKU-1', network: 'eu', reason: 'x', expectedRestock: '2025-02-30' }, field: 'body.expectedRestock' },
    { name: 'list with an unknown stage', path: '/incidents?stage=exploding', field: 'query.stage' },
    { name: 'list with a quote in the SKU', path: "/incidents?sku=a'b", field: 'query.sku' },
    { name: 'an id that is neither a workflow id nor network:sku', path: '/incidents/justsku', field: 'params.id' },
    { name: 'simulate with a cap over 100%', path: '/incidents/eu:SKU-1/simulate', body: { capPercent: 140 }, field: 'body.capPercent' },
    { name: 'decision with a negative revision', path: '/incidents/eu:SKU-1/decision', body: { decision: 'approve', planRevision: -1, decidedBy: 'pat' }, field: 'body.planRevision' },
    { name: 'rejection without a reason', path: '/incidents/eu:SKU-1/decision', body: { decision: 'reject', planRevision: 0, decidedBy: 'pat' }, field: 'body.comment' },
    { name: 'override with a fractional quantity', path: '/incidents/eu:SKU-1/decision', body: { decision: 'approve', planRevision: 0, decidedBy: 'pat', overrides: [{ lineId: 'L1', allocate: 1.5 }] }, field: 'body.overrides.0.allocate' },
    { name: 'plan with an unknown outcome', path: '/incidents/eu:SKU-1/plan?outcome=some', field: 'query.outcome' },
    { name: 'plan with an unknown reason code', path: '/incidents/eu:SKU-1/plan?reason=because', field: 'query.reason' },
    { name: 'plan with a fractional revision', path: '/incidents/eu:SKU-1/plan?revision=1.5', field: 'query.revision' },
    { name: 'plan with a page too large', path: '/incidents/eu:SKU-1/plan?limit=5000', field: 'query.limit' },
    { name: 'plan with an unknown sort', path: '/incidents/eu:SKU-1/plan?sort=random', field: 'query.sort' },
    { name: 'plan of a simulation id that is none', path: '/incidents/eu:SKU-1/plan?simulation=..%2Fsnapshot', field: 'query.simulation' },
    { name: 'customers with a page of zero', path: '/incidents/eu:SKU-1/plan/customers?limit=0', field: 'query.limit' },
    { name: 'comparison with an unknown change', path: '/incidents/eu:SKU-1/plan/compare?change=better', field: 'query.change' },
    { name: 'comparison from a negative revision', path: '/incidents/eu:SKU-1/plan/compare?from=-1', field: 'query.from' },
    { name: 'preview without overrides', path: '/incidents/eu:SKU-1/plan/preview', body: { planRevision: 0, overrides: [], previewedBy: 'pat' }, field: 'body.overrides' },
    { name: 'preview with a fractional quantity', path: '/incidents/eu:SKU-1/plan/preview', body: { planRevision: 0, overrides: [{ lineId: 'L1', allocate: 2.5 }], previewedBy: 'pat' }, field: 'body.overrides.0.allocate' },
    { name: 'preview with a too long reason', path: '/incidents/eu:SKU-1/plan/preview', body: { planRevision: 0, overrides: [{ lineId: 'L1', allocate: 2, reason: 'x'.repeat(501) }], previewedBy: 'pat' }, field: 'body.overrides.0.reason' },
    { name: 'preview without who', path: '/incidents/eu:SKU-1/plan/preview', body: { planRevision: 0, overrides: [{ lineId: 'L1', allocate: 2 }] }, field: 'body.previewedBy' },
    { name: 'preview of no revision', path: '/incidents/eu:SKU-1/plan/preview', body: { planRevision: 'latest', overrides: [{ lineId: 'L1', allocate: 2 }], previewedBy: 'pat' }, field: 'body.planRevision' },
    { name: 'decision with a too long comment', path: '/incidents/eu:SKU-1/decision', body: { decision: 'approve', planRevision: 0, decidedBy: 'pat', comment: 'x'.repeat(2001) }, field: 'body.comment' },
    { name: 'restock of zero units', path: '/incidents/eu:SKU-1/restocks', body: { receiptId: 'R1', quantity: 0 }, field: 'body.quantity' },
    { name: 'ETA that is not a date', path: '/incidents/eu:SKU-1/eta-changes', body: { poId: 'PO1', eta: 'next week' }, field: 'body.eta' },
    { name: 'answer of an unknown kind', path: '/incidents/eu:SKU-1/answers', body: { answer: 'maybe', answerId: 'a', customerId: 'c', lineId: 'l' }, field: 'body.answer' },
    { name: 'cancel without reason', path: '/incidents/eu:SKU-1/cancel', body: { cancelledBy: 'pat' }, field: 'body.reason' },
    { name: 'resume without who', path: '/incidents/eu:SKU-1/resume', body: {}, field: 'body.resumedBy' },
    { name: 'withdrawal without a reason', path: '/incidents/eu:SKU-1/withdraw', body: { withdrawnBy: 'pat' }, field: 'body.reason' },
    { name: 'restock of more units than any receipt holds', path: '/incidents/eu:SKU-1/restocks', body: { receiptId: 'R1', quantity: 1e15 }, field: 'body.quantity' },
    { name: 'webhook with a textual quantity', path: '/webhooks/inventory/critical-level', body: { sku: 'S', network: 'eu', onHand: 'three', criticalLevel: 5, eventId: 'e1' }, field: 'body.onHand' },
    { name: 'webhook without event id', path: '/webhooks/inventory/critical-level', body: { sku: 'S', network: 'eu', onHand: 3, criticalLevel: 5 }, field: 'body.eventId' },
    { name: 'webhook whose stock is not below the critical level', path: '/webhooks/inventory/critical-level', body: { sku: 'S', network: 'eu', onHand: 5, criticalLevel: 5, eventId: 'e1' }, field: 'body.onHand' },
    // `eu` + `A:B` and `eu:A` + `B` would both be the incident `stockout:eu:A:B`.
    { name: 'webhook with a colon in the SKU', path: '/webhooks/inventory/critical-level', body: { sku: 'A:B', network: 'eu', onHand: 3, criticalLevel: 5, eventId: 'e1' }, field: 'body.sku' },
    { name: 'webhook with a colon in the network', path: '/webhooks/inventory/critical-level', body: { sku: 'B', network: 'eu:A', onHand: 3, criticalLevel: 5, eventId: 'e1' }, field: 'body.network' },
    { name: 'order event without event id', path: '/webhooks/inventory/order-event', body: { sku: 'S', network: 'eu' }, field: 'body.eventId' },
    { name: 'order event of an unknown change', path: '/webhooks/inventory/order-event', body: { sku: 'S', network: 'eu', eventId: 'e1', change: 'moved' }, field: 'body.change' },
    { name: 'order event with a colon in the SKU', path: '/webhooks/inventory/order-event', body: { sku: 'A:B', network: 'eu', eventId: 'e1' }, field: 'body.sku' },
    { name: 'manual trigger with a control character in the SKU', path: '/incidents', body: { sku: 'SKU-1\r\nX: y', network: 'eu', reason: 'x' }, field: 'body.sku' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { operations, calls } = fakeOperations();
      const request = await serve({ operations });
      const response = await request(c.path, { headers: auth, ...(c.body !== undefined ? { body: c.body } : {}) });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; issues: { path: string; message: string }[] };
      expect(body.issues.map((i) => i.path)).toContain(c.field);
      expect(body.error).toContain(c.field);
      expect(calls).toEqual([]);
    });
  }

  it('refuses malformed JSON and a missing body as body errors', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const malformed = await request('/incidents/eu:SKU-1/restocks', { headers: auth, raw: '{"receiptId":' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^body:/);
    const missing = await request('/incidents/eu:SKU-1/cancel', { method: 'POST', headers: auth });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('body');
    expect(calls).toEqual([]);
  });
});

describe('valid requests reach the operations with parsed input', () => {
  it('starts a manual incident with a generated trigger id, 201 when started and 200 when attached', async () => {
    const started = fakeOperations({ started: true });
    let request = await serve({ operations: started.operations });
    const first = await request('/incidents', { headers: auth, body: { sku: 'SKU-1', network: 'eu', reason: 'supplier fire' } });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ workflowId: 'stockout:eu:SKU-1', started: true });
    const trigger = started.calls[0]!.args[0] as { source: string; triggerId: string };
    expect(trigger.source).toBe('manual');
    expect(trigger.triggerId).toMatch(/^manual:/);
    await app!.close();

    const attached = fakeOperations({ started: false });
    request = await serve({ operations: attached.operations });
    const again = await request('/incidents', { headers: auth, body: { sku: 'SKU-1', network: 'eu', reason: 'again', triggerId: 'ticket-7' } });
    expect(again.status).toBe(200);
    expect((attached.calls[0]!.args[0] as { triggerId: string }).triggerId).toBe('ticket-7');
  });

  it('turns a critical-level webhook into a webhook trigger keyed by its event id', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const event = { sku: 'SKU-1', network: 'eu', onHand: 3, criticalLevel: 20, eventId: 'inv-evt-42' };
    const response = await request('/webhooks/inventory/critical-level', { headers: auth, body: event });
    expect(response.status).toBe(202);
    expect(calls).toEqual([
      {
        method: 'trigger',
        args: [{ triggerId: 'inv-evt-42', sku: 'SKU-1', network: 'eu', source: 'webhook', reason: 'inventory system: on hand 3 under critical level 20', onHand: 3 }],
      },
    ]);
  });

  it('hands an order event to the operations, which tell the running incident and start nothing', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const event = { sku: 'SKU-1', network: 'eu', eventId: 'ord-evt-7', lineId: 'L-9', change: 'created' };
    const response = await request('/webhooks/inventory/order-event', { headers: auth, body: event });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ workflowId: 'stockout:eu:SKU-1', signalled: true });
    expect(calls).toEqual([{ method: 'orderEvent', args: [event] }]);
    expect((await request('/webhooks/inventory/order-event', { body: event })).status).toBe(401);
  });

  it('reads the plan with its query parsed and defaulted, and previews overrides', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    expect((await request('/incidents/eu:SKU-1/plan?stage=integrated&customer=acme&revision=2', { headers: auth })).status).toBe(200);
    expect((await request('/incidents/eu:SKU-1/plan/compare?from=0&to=1&change=worse', { headers: auth })).status).toBe(200);
    const preview = await request('/incidents/eu:SKU-1/plan/preview', { headers: auth, body: { planRevision: 0, overrides: [{ lineId: 'L1', allocate: 0, reason: 'holds stock' }], previewedBy: 'pat' } });
    expect(preview.status).toBe(200);
    expect(((await preview.json()) as { revision: number }).revision).toBe(1);
    expect(calls).toEqual([
      { method: 'plan', args: ['stockout:eu:SKU-1', { stage: 'integrated', customer: 'acme', revision: 2, sort: 'priority', limit: 100 }] },
      { method: 'comparePlans', args: ['stockout:eu:SKU-1', { from: 0, to: 1, change: 'worse', limit: 100 }] },
      { method: 'previewOverrides', args: ['stockout:eu:SKU-1', { planRevision: 0, overrides: [{ lineId: 'L1', allocate: 0, reason: 'holds stock' }], previewedBy: 'pat' }] },
    ]);
  });

  it('resolves the network:sku shorthand and applies schema defaults before calling', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const response = await request('/incidents/eu:SKU-1/decision', { headers: auth, body: { decision: 'approve', planRevision: 0, decidedBy: 'pat' } });
    expect(response.status).toBe(200);
    expect(calls).toEqual([{ method: 'decide', args: ['stockout:eu:SKU-1', { decision: 'approve', planRevision: 0, decidedBy: 'pat', overrides: [] }] }]);
    const listed = await request('/incidents?stage=following-up&severity=high', { headers: auth });
    expect(listed.status).toBe(200);
    expect(calls[1]).toEqual({ method: 'list', args: [{ stage: 'following-up', severity: 'high', limit: 100 }] });
  });

  it('maps refusals and unknown incidents to 409 and 404 with the reason', async () => {
    const refused = fakeOperations({ failWith: new OperationError('rejected', 'decision: no plan is awaiting approval (stage following-up)') });
    let request = await serve({ operations: refused.operations });
    const response = await request('/incidents/eu:SKU-1/decision', { headers: auth, body: { decision: 'approve', planRevision: 0, decidedBy: 'pat' } });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'decision: no plan is awaiting approval (stage following-up)' });
    await app!.close();

    const missing = fakeOperations({ failWith: new OperationError('not-found', 'no incident stockout:eu:NOPE') });
    request = await serve({ operations: missing.operations });
    expect((await request('/incidents/eu:NOPE', { headers: auth })).status).toBe(404);
  });

  it('answers 500 without details for an unexpected failure', async () => {
    const { operations } = fakeOperations({ failWith: new Error('socket hang up at 10.0.0.3') });
    const request = await serve({ operations });
    const response = await request('/incidents/eu:SKU-1', { headers: auth });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal error' });
  });
});

describe('authorization', () => {
  it('refuses every operator route without the bearer token, before reading the body', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    for (const [method, path] of ROUTES.filter(([, p]) => !PUBLIC.has(p))) {
      const url = path.replace('{id}', 'eu:SKU-1');
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }] as Record<string, string>[]) {
        const response = await request(url, { method: method.toUpperCase(), headers, ...(method === 'post' ? { raw: '{not json' } : {}) });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    expect(calls).toEqual([]);
  });

  it('serves health and the OpenAPI document without a token', async () => {
    const request = await serve({ operations: fakeOperations().operations });
    expect((await request('/health')).status).toBe(200);
    expect((await request('/openapi.json')).status).toBe(200);
  });

  it('listens where configured when started', async () => {
    const api = await startApi({ config: { API_TOKEN: TOKEN, API_HOST: '127.0.0.1', API_PORT: 0 }, answerLinks, operations: fakeOperations().operations });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${api.url}/health`)).json()).toEqual({ status: 'ok' });
    } finally {
      await api.close();
    }
  });

  it('will not start without an API token', () => {
    expect(() => buildApi({ config: { API_TOKEN: undefined }, answerLinks, operations: fakeOperations().operations })).toThrow(/API_TOKEN/);
  });
});

describe('customer answer links', () => {
  const claims = { w: 'stockout:eu:SKU-1', i: 'stockout:eu:SKU-1:abcd1234', c: 'CUST-9', l: 'LINE-3', a: 'accept-substitute' as const };

  it('shows a confirmation page on GET and changes nothing', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const response = await request(`/answers/${answerLinks.sign(claims, new Date())}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('LINE-3');
    expect(calls).toEqual([]);
  });

  it('records the answer on POST with the claims, the incident id among them, and a second click is the same answer', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const token = answerLinks.sign(claims, new Date());
    for (let click = 0; click < 2; click++) {
      const response = await request(`/answers/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: '' });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('Answer recorded');
    }
    expect(calls).toHaveLength(2);
    const [first, second] = calls.map((c) => c.args as [string, { answerId: string }]);
    expect(first![0]).toBe('stockout:eu:SKU-1');
    expect(first![1]).toEqual({
      answer: 'accept-substitute',
      answerId: expect.stringMatching(/^link:/),
      incidentId: 'stockout:eu:SKU-1:abcd1234',
      customerId: 'CUST-9',
      lineId: 'LINE-3',
    });
    expect(second![1].answerId).toBe(first![1].answerId);
    // Another link (another line) is another answer.
    await request(`/answers/${answerLinks.sign({ ...claims, l: 'LINE-4' }, new Date())}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: '' });
    expect((calls[2]!.args[1] as { answerId: string }).answerId).not.toBe(first![1].answerId);
  });

  it('says what happens to the answer, and promises no confirmation email that is never sent', async () => {
    const request = await serve({ operations: fakeOperations().operations });
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: '' };
    const accepted = await (await request(`/answers/${answerLinks.sign(claims, new Date())}`, form)).text();
    expect(accepted).toContain('we have your acceptance of the substitute product for order line <strong>LINE-3</strong>');
    expect(accepted).toContain('If its stock has run out by then, the line stays backordered.');
    expect(accepted).toContain('Our next email about this order shows the result');
    const cancelled = await (await request(`/answers/${answerLinks.sign({ ...claims, a: 'cancel' }, new Date())}`, form)).text();
    expect(cancelled).toContain('We cancel the quantity still backordered shortly');
    for (const html of [accepted, cancelled]) expect(html).not.toMatch(/receive an email|confirming/i);
  });

  it('takes the optional stock figures of a can-wait answer from the form, and refuses bad ones', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const token = answerLinks.sign({ ...claims, a: 'can-wait' }, new Date());
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await request(`/answers/${token}`, { method: 'POST', headers: form, raw: 'onHand=-4&dailyUsage=' })).status).toBe(400);
    expect(calls).toEqual([]);
    expect((await request(`/answers/${token}`, { method: 'POST', headers: form, raw: 'onHand=120&dailyUsage=' })).status).toBe(200);
    expect(calls[0]!.args[1]).toMatchObject({ answer: 'can-wait', onHand: 120 });
    expect((calls[0]!.args[1] as { dailyUsage?: number }).dailyUsage).toBeUndefined();
  });

  it('refuses forged, tampered, incident-less and expired links with a 403 page', async () => {
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const forged = createAnswerLinks({ secret: 'somebody-elses-secret-somebody-elses', ttlDays: 14, baseUrl: 'x' }).sign(claims, new Date());
    const valid = answerLinks.sign(claims, new Date());
    const [body, signature] = valid.split('.');
    const otherLine = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), l: 'LINE-99' })).toString('base64url');
    const expired = answerLinks.sign(claims, new Date(Date.now() - 30 * 86_400_000));
    // Correctly signed but without the incident id: it could act on whichever incident holds the workflow id now.
    const { i: _incident, ...withoutIncident } = claims;
    const bare = Buffer.from(JSON.stringify({ ...withoutIncident, e: Math.floor(Date.now() / 1000) + 86_400 })).toString('base64url');
    const incidentLess = `${bare}.${createHmac('sha256', LINK_SECRET).update(bare).digest('base64url')}`;
    for (const token of [forged, `${otherLine}.${signature}`, incidentLess, 'garbage']) {
      for (const method of ['GET', 'POST']) {
        const response = await request(`/answers/${token}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: '' } : {}) });
        expect(response.status).toBe(403);
        expect(await response.text()).toContain('not valid');
      }
    }
    const response = await request(`/answers/${expired}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: '' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('expired');
    expect(calls).toEqual([]);
  });

  it('shows a friendly page when the incident refuses the answer', async () => {
    const { operations } = fakeOperations({ failWith: new OperationError('rejected', 'incident stockout:eu:SKU-1 is completed: it takes no more commands') });
    const request = await serve({ operations });
    const response = await request(`/answers/${answerLinks.sign(claims, new Date())}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: '' });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('account manager');
  });

  it("words every refusal in the email's language, names a refused figure by its label, and never shows the incident's own message", async () => {
    const spanish = { ...claims, a: 'can-wait' as const, d: { sku: 'SKU-1', loc: 'es-ES', lines: [{ l: 'LINE-3', o: 'ORD-1', q: 4 }] } };
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: '' };
    for (const failWith of [
      new OperationError('rejected', 'incident stockout:eu:SKU-1 is completed: it takes no more commands'),
      new OperationError('not-found', 'incident stockout:eu:SKU-1 not found'),
    ]) {
      const request = await serve({ operations: fakeOperations({ failWith }).operations });
      const response = await request(`/answers/${answerLinks.sign(spanish, new Date())}`, form);
      expect(response.status).toBe(failWith.status);
      const html = await response.text();
      expect(html).toContain('<html lang="es-ES">');
      expect(html).toContain('Esta rotura de stock ha terminado');
      expect(html).not.toContain('stockout:eu');
    }
    const { operations, calls } = fakeOperations();
    const request = await serve({ operations });
    const refused = await request(`/answers/${answerLinks.sign(spanish, new Date())}`, { ...form, raw: 'onHand=-4' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('«Unidades que tiene ahora» debe ser');
    expect(html).not.toMatch(/onHand|body\./);
    expect(calls).toEqual([]);
  });

  it('escapes what comes from the link', async () => {
    const request = await serve({ operations: fakeOperations().operations });
    const html = await (await request(`/answers/${answerLinks.sign({ ...claims, l: '<script>alert(1)</script>' }, new Date())}`)).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });
});

describe('OpenAPI document', () => {
  it('lists every route, each one served, with bearer auth on the operator routes', async () => {
    const request = await serve({ operations: fakeOperations().operations });
    const doc = (await (await request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security: unknown[]; requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    expect(listed.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of ROUTES) {
      expect(app!.hasRoute({ method: method.toUpperCase() as 'GET' | 'POST', url: path.replace(/\{(\w+)\}/, ':$1') }), `${method} ${path}`).toBe(true);
      expect(doc.paths[path]![method]!.security).toEqual(PUBLIC.has(path) ? [] : [{ bearerAuth: [] }]);
    }
    // Bodies come from the shared zod schemas.
    expect(doc.paths['/incidents/{id}/restocks']!.post!.requestBody!.content['application/json']!.schema.required).toEqual(['receiptId', 'quantity']);
    expect(doc.paths['/incidents']!.post!.requestBody!.content['application/json']!.schema.required).toEqual(['sku', 'network', 'reason']);
  });
});

describe('logging', () => {
  it('never writes bodies, tokens, emails or the Authorization header to the log', async () => {
    const lines: string[] = [];
    const request = await serve({ operations: fakeOperations().operations, log: { stream: { write: (line) => void lines.push(line) } } });
    const token = answerLinks.sign({ w: 'stockout:eu:SKU-1', i: 'stockout:eu:SKU-1:abcd1234', c: 'CUST-9', l: 'LINE-3', a: 'cancel' }, new Date());
    await request(`/answers/${token}`);
    await request('/incidents', { headers: auth, body: { sku: 'SKU-1', network: 'eu', reason: 'told by buyer@customer.example', requestedBy: 'pat@example.com' } });
    await request('/incidents/eu:SKU-1', { headers: { authorization: 'Bearer not-the-token-at-all' } });
    const log = lines.join('');
    expect(log).toContain('/answers/[token]');
    expect(log).toContain('"statusCode":201');
    for (const secret of [token, TOKEN, 'not-the-token-at-all', 'customer.example', 'pat@example.com', 'authorization']) {
      expect(log).not.toContain(secret);
    }
  });

  it('redacts answer tokens and query strings from logged paths', () => {
    expect(redactUrl('/answers/abc.def')).toBe('/answers/[token]');
    expect(redactUrl('/incidents?sku=SKU-1')).toBe('/incidents');
  });
});
