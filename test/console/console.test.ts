// The planners' console in a real browser (Debian's Chromium through playwright-core) against the real API,
// a worker on the Temporal dev server, the reference inventory/CRM service and the SMTP sink. One incident
// is shared by the file's tests, which follow it in order: signed in as an approver the board lists it; a
// viewer is offered no approval and a forged write changes nothing; a what-if; a line overridden with a
// reason, previewed and approved, and the inventory system holds what the preview showed; a restock recorded
// from the page closes it; the report's charts. Screenshots at 1280 and 400 px; axe-core on every page.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { stateQuery } from '../../workflows/definitions';
import { hashPassword } from '../../src/auth/passwords';
import { createSessions } from '../../src/auth/sessions';
import { createDirectory, loadUsersFile } from '../../src/auth/users';
import type { RunningApi } from '../../src/api/server';
import type { IncidentState } from '../../src/incident/state';
import { INCIDENT_WORKFLOW_TYPE, type IncidentOperations } from '../../src/operations/incident-operations';
import { keepScreenshot, launchBrowser, seriousViolations } from '../harness/browser';
import { startApiWorld, waitForShown, type ApiWorld } from '../harness/api-world';
import { createTestWorker } from '../harness/temporal';
import { NETWORK, SKU } from '../../src/temporal/search-attributes';
import { SHORT_SKU, type World } from '../incident/world';

const PASSWORDS = { ann: 'ann-approves-plans', vic: 'vic-only-looks' };
const SESSION_MS = 3_600_000;
const work = mkdtempSync(join(tmpdir(), 'stockout-console-'));

let stack: ApiWorld;
let env: TestWorkflowEnvironment;
let world: World;
let api: RunningApi;
let operations: IncidentOperations;
let browser: Browser;
/** Added to the sessions' clock: a test moves it on to end sessions. */
let clockOffset = 0;
let incidentId: string;
const strandedId = `stranded-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  const usersFile = join(work, 'users.json');
  writeFileSync(
    usersFile,
    JSON.stringify({
      users: [
        { name: 'ann', role: 'approver', passwordHash: await hashPassword(PASSWORDS.ann) },
        { name: 'vic', role: 'viewer', passwordHash: await hashPassword(PASSWORDS.vic) },
      ],
    }),
  );
  stack = await startApiWorld({
    token: 'console-test-token-0123',
    console: (ops, { deps }) => ({
      operations: ops,
      directory: createDirectory(loadUsersFile(usersFile)),
      sessions: createSessions({ ttlMs: SESSION_MS, now: () => Date.now() + clockOffset }),
      sessionTtlMs: SESSION_MS,
      secureCookies: false,
      policy: DEFAULT_POLICY,
      currency: 'EUR',
      inventory: deps.inventory,
      crm: deps.crm,
    }),
  });
  const { client } = stack;
  ({ env, world, api, operations } = stack);
  stack.runWorker();
  // The inventory system reports the SKU under its critical level, as in production.
  const opened = await fetch(`${api.url}/webhooks/inventory/critical-level`, {
    method: 'POST',
    headers: { authorization: 'Bearer console-test-token-0123', 'content-type': 'application/json' },
    body: JSON.stringify({ sku: SHORT_SKU, network: world.network, onHand: 40, criticalLevel: 120, eventId: `console-${world.network}` }),
  });
  incidentId = ((await opened.json()) as { workflowId: string }).workflowId;
  // An incident whose worker has gone away after its first step: a query to it waits for a poller that never comes.
  const away = await createTestWorker(env, { taskQueue: `away-${world.network}`, activities: {} });
  await away.runUntil(async () => {
    const stranded = await client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
      workflowId: strandedId,
      taskQueue: `away-${world.network}`,
      args: [{ trigger: { triggerId: strandedId, sku: 'SKU-AWAY', network: world.network, source: 'manual', reason: 'a worker that left' }, policy: DEFAULT_POLICY }],
      typedSearchAttributes: [
        { key: SKU, value: 'SKU-AWAY' },
        { key: NETWORK, value: world.network },
      ],
    });
    await stranded.query(stateQuery);
  });
  await waitFor((s) => s.stage === 'awaiting-approval');
  browser = await launchBrowser();
});

afterAll(async () => {
  await env?.client.workflow.getHandle(strandedId).terminate('test over').catch(() => undefined);
  await browser?.close();
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

const waitFor = (done: (state: IncidentState) => boolean) => waitForShown(operations, incidentId, done);

const incidentPath = () => `/console/incidents/${encodeURIComponent(incidentId)}`;

async function signIn(name: keyof typeof PASSWORDS, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, baseURL: api.url });
  const page = await context.newPage();
  await page.goto('/console/board');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(PASSWORDS[name]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/console/board');
  return { context, page };
}

/** The page at both widths, kept as screenshots, with no serious or critical accessibility violation. */
async function checkPage(page: Page, name: string) {
  expect(await seriousViolations(page)).toEqual([]);
  await keepScreenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: 400, height: 900 });
  // Usable on a phone: nothing but the scrolling tables is wider than the screen.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
  await keepScreenshot(page, `${name}-400`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('the console in a browser', () => {
  it('refuses a wrong password and pages without a session, and sends the CSP and cookie flags', async () => {
    const context = await browser.newContext({ baseURL: api.url });
    const page = await context.newPage();
    const response = await page.goto('/console/board');
    expect(response!.status()).toBe(401);
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response!.headers()['content-security-policy']).not.toContain('unsafe-inline');
    await page.getByLabel('User name').fill('ann');
    await page.getByLabel('Password').fill('not her password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Wrong user name or password');
    const signedIn = await fetch(`${api.url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'ann', password: PASSWORDS.ann }),
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('set-cookie')).toMatch(/^stockout_session=[\w-]{40,}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    // The operator's bearer token still works for scripts, and a session cookie is not one.
    expect((await fetch(`${api.url}/incidents`, { headers: { authorization: 'Bearer console-test-token-0123' } })).status).toBe(200);
    expect((await fetch(`${api.url}/incidents`, { headers: { cookie: signedIn.headers.get('set-cookie')!.split(';')[0]! } })).status).toBe(401);
    await context.close();
  });

  it('lists the incident on the board for an approver, waiting for a person, and filters it', async () => {
    // Signing in lands on the board although one incident's worker never answers: its row has no figures.
    const { context, page } = await signIn('ann');
    const stranded = page.locator('table.board tbody tr', { hasText: 'SKU-AWAY' });
    expect(await stranded.locator('td.num').allTextContents()).toEqual(['—', '—', '—']);
    const row = page.locator('table.board tbody tr', { hasText: SHORT_SKU }).filter({ hasText: world.network });
    await expect(row.count()).resolves.toBe(1);
    expect(await row.textContent()).toContain('awaiting-approval');
    expect(await row.textContent()).toContain('decide plan');
    expect(await page.locator('.counts').textContent()).toMatch(/waiting for a person/);
    await checkPage(page, 'board');
    await page.getByLabel('Network').fill(world.network);
    await page.getByLabel('Stage').selectOption('closed');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.locator('#board').textContent()).toContain('No incident matches');
    await page.getByLabel('Stage').selectOption('awaiting-approval');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.locator('table.board tbody tr').count()).resolves.toBe(1);
    await context.close();
  });

  it('offers a viewer no approval, and refuses forged and viewer writes without changing anything', async () => {
    const before = await operations.show(incidentId);
    const { context, page } = await signIn('vic');
    await page.goto(incidentPath());
    expect(await page.locator('h1').textContent()).toContain(SHORT_SKU);
    await expect(page.getByRole('button', { name: /approve/i }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /reject/i }).count()).resolves.toBe(0);
    const csrf = await page.locator('meta[name=csrf-token]').getAttribute('content');
    const decision = { decision: 'approve', planRevision: String(before.plan!.revision) };
    // The viewer's own session and token: its role is refused.
    const asViewer = await page.request.post(`${incidentPath()}/decision`, { form: { ...decision, _csrf: csrf! } });
    expect(asViewer.status()).toBe(403);
    expect(await asViewer.text()).toContain('your role viewer may not approve');
    await context.close();

    // An approver's session without the CSRF token (what a forged cross-site form would send).
    const approver = await signIn('ann');
    const forged = await approver.page.request.post(`${incidentPath()}/decision`, { form: decision });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('_csrf');
    const wrong = await approver.page.request.post(`${incidentPath()}/decision`, { form: { ...decision, _csrf: 'guessed' } });
    expect(wrong.status()).toBe(403);
    await approver.context.close();

    const after = await operations.show(incidentId);
    expect(after.stage).toBe('awaiting-approval');
    expect(after.approval).toEqual(before.approval);
    expect(after.plan!.revision).toBe(before.plan!.revision);
  });

  it('refuses bad previews, decisions, resumes and withdrawals with the field or reason named, changing nothing', async () => {
    const before = await operations.show(incidentId);
    const { context, page } = await signIn('ann');
    await page.goto(incidentPath());
    const _csrf = (await page.locator('meta[name=csrf-token]').getAttribute('content'))!;
    const line = (await operations.plan(incidentId, { limit: 1 })).lines[0]!;
    const planRevision = String(before.plan!.revision);
    const post = async (path: string, form: Record<string, string>) => {
      const response = await page.request.post(`${incidentPath()}${path}`, { form: { ...form, _csrf } });
      return { status: response.status(), text: await response.text() };
    };
    const preview = (overrides: string, revision = planRevision) => post('/preview', { planRevision: revision, overrides });
    const cases: [Promise<{ status: number; text: string }>, number, string][] = [
      [preview(JSON.stringify([{ lineId: 'NO-SUCH-LINE', allocate: 1 }])), 422, 'preview.overrides.0.lineId'],
      [preview(JSON.stringify([{ lineId: line.lineId, allocate: -1 }])), 400, 'preview.overrides.0.allocate'],
      [preview(JSON.stringify([{ lineId: line.lineId, allocate: line.requested + 1 }])), 422, 'preview.overrides.0.allocate'],
      [preview('not json'), 400, 'preview.overrides'],
      [preview(JSON.stringify([{ lineId: line.lineId, allocate: 0 }]), '99'), 409, 'preview.planRevision'],
      [post('/decision', { decision: 'approve', planRevision, comment: 'x'.repeat(2001) }), 400, 'decision.comment'],
      [post('/decision', { decision: 'approve', planRevision: '99' }), 409, 'decision.planRevision'],
      [post('/decision', { decision: 'reject', planRevision }), 400, 'decision.comment'],
      // Nothing is parked: a resume or a withdrawal is refused, not reported as done.
      [post('/resume', { note: 'fixed' }), 409, 'resume: no stage is parked'],
      [post('/withdraw', { reason: '' }), 400, 'withdraw.reason'],
      [post('/withdraw', { reason: 'sent by mistake' }), 409, 'withdraw: the incident is not parked'],
    ];
    for (const [answer, status, field] of cases) {
      const { status: got, text } = await answer;
      expect({ got, named: text.includes(field) }, `${field}: ${text.slice(0, 200)}`).toEqual({ got: status, named: true });
    }
    const after = await operations.show(incidentId);
    expect(after.approval).toEqual(before.approval);
    expect(after.previews ?? []).toEqual(before.previews ?? []);
    expect(after.plan!.revision).toBe(before.plan!.revision);
    await context.close();
  });

  it('ends a session when its time is up: pages and writes are refused until signing in again', async () => {
    const { context, page } = await signIn('ann');
    await page.goto(incidentPath());
    const csrf = await page.locator('meta[name=csrf-token]').getAttribute('content');
    clockOffset = SESSION_MS + 1;
    try {
      const write = await page.request.post(`${incidentPath()}/cancel`, { form: { reason: 'late', confirm: 'yes', _csrf: csrf! } });
      expect(write.status()).toBe(401);
      expect(await write.text()).toContain('Your session has ended');
      const again = await page.goto(incidentPath());
      expect(again!.status()).toBe(401);
      expect(await page.getByRole('alert').textContent()).toContain('Your session has ended');
    } finally {
      clockOffset = 0;
    }
    expect((await operations.show(incidentId)).cancelRequested).toBeNull();
    await context.close();
  });

  it('compares the plan with a what-if side by side', async () => {
    const { context, page } = await signIn('ann');
    await page.goto(incidentPath());
    await page.getByLabel('Policy', { exact: true }).selectOption('strict-priority');
    await page.getByRole('button', { name: 'Compare with the current plan' }).click();
    await page.waitForURL('**/what-if');
    expect(await page.locator('h1').textContent()).toContain('strict-priority');
    await expect(page.locator('.side-by-side table.stages').count()).resolves.toBe(2);
    expect(await page.locator('table.diff tbody tr').count()).toBeGreaterThan(0);
    // Each stage's row adds up: the same units requested, only moved between allocated, substituted and backordered.
    expect(await page.locator('table.diff thead th').allTextContents()).toEqual(['Stage', 'Allocated', 'Substituted', 'Backordered', 'Fill rate', 'Customers with nothing']);
    const signedUnits = (text: string) => (text.trim() === '±0' ? 0 : Number(text.trim().replace('−', '-').replace(/[,+]/g, '')));
    let moved = 0;
    for (const row of await page.locator('table.diff tbody tr').all()) {
      const [allocated, substituted, backordered] = (await row.locator('td').allTextContents()).slice(0, 3).map(signedUnits);
      expect(allocated! + substituted! + backordered!, (await row.textContent()) ?? '').toBe(0);
      moved += Math.abs(allocated!);
    }
    expect(moved, 'strict priority moves units between stages').toBeGreaterThan(0);
    // Line by line: without floor and cap some lines are worse off and some better, each with its change.
    const changed = page.locator('table.changed-lines tbody tr');
    expect(await changed.count()).toBeGreaterThan(0);
    expect(await changed.first().textContent()).toMatch(/(worse|improved) \([+−][\d,]+ units served\)/);
    expect(await page.locator('table.changed-lines').textContent()).toMatch(/\d+ → \d+/);
    await checkPage(page, 'what-if');
    // An edited policy with a mistake is refused, naming the field.
    await page.goto(incidentPath());
    await page.locator('details', { hasText: 'Or edit the policy' }).locator('summary').click();
    await page.getByLabel('Policy JSON').fill('{"capPercent": 0}');
    await page.getByRole('button', { name: 'Compare with the current plan' }).click();
    expect(await page.locator('.issues').textContent()).toContain('capPercent');
    await context.close();
  });

  it('filters the plan, overrides a line with a reason, previews and approves it; the inventory system holds the preview', async () => {
    const { context, page } = await signIn('ann');
    await page.goto(incidentPath());
    await checkPage(page, 'incident');
    const pending = await operations.show(incidentId);
    const stage = pending.plan!.byStage.find((s) => s.allocated > 0)!.stage;

    // Filtered by stage, then by a customer of that stage: only their lines are listed.
    await page.locator('#plan-stage').selectOption(stage);
    await page.getByRole('button', { name: 'Show lines' }).click();
    const rows = page.locator('table.plan-lines tbody tr');
    expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: Record<string, string> }).dataset.stage)))).toEqual(new Set([stage]));
    const served = rows.filter({ has: page.locator('input.allocate:not([value="0"])') }).first();
    const lineId = (await served.getAttribute('data-line'))!;
    const allocated = Number(await served.getAttribute('data-allocated'));
    const customerId = (await operations.plan(incidentId, { stage, limit: 1000 })).lines.find((l) => l.lineId === lineId)!.customer.customerId;
    await page.getByLabel('Customer (id or name)').fill(customerId);
    await page.getByRole('button', { name: 'Show lines' }).click();
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.locator('th').allTextContents()) expect(text).toContain(customerId);

    // Lowered by one unit: the stage's impact bar moves while typing, and a reason is asked for before the preview.
    const line = page.locator(`tr[data-line="${lineId}"]`);
    await line.locator('input.allocate').fill(String(allocated - 1));
    const stageRow = page.locator(`table.stages tr[data-stage="${stage}"]`);
    expect(await stageRow.locator('[data-edited-fill]').textContent()).toMatch(/^→ [\d.]+% \(-1 units\)$/);
    expect(Number(await stageRow.locator('rect[data-edit]').getAttribute('width'))).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Preview the revised plan' }).click();
    expect(await page.locator('#draft-summary').textContent()).toContain(`A reason is needed for each line you lower: ${lineId}`);
    expect(page.url()).not.toContain('/preview');
    await line.locator('input.reason').fill('customer <i>agreed</i> to wait');
    await page.getByRole('button', { name: 'Preview the revised plan' }).click();
    await page.waitForURL('**/preview');
    const previewed = (await operations.show(incidentId)).previews!.at(-1)!;
    expect(previewed).toMatchObject({ basedOn: pending.plan!.revision, previewedBy: 'ann' });
    expect(await page.locator('h1').textContent()).toContain(`Preview: revision ${previewed.plan.revision}`);
    expect(await page.locator(`table.changed-lines tr[data-line="${lineId}"]`).textContent()).toContain(`${allocated} → ${allocated - 1}`);
    expect(await page.locator('table.impact-stages').textContent()).toContain(stage);
    await checkPage(page, 'preview');
    // Nothing is committed by a preview.
    expect((await operations.show(incidentId)).stage).toBe('awaiting-approval');

    await page.getByLabel('Comment (optional)').fill('fair split <b>approved</b>');
    await page.getByRole('button', { name: `Approve revision ${previewed.plan.revision}` }).click();
    await page.waitForURL(`**${incidentPath()}`);
    expect(await page.getByRole('status').textContent()).toContain('Plan approved by ann');
    const committed = await waitFor((s) => s.stage === 'following-up');
    expect(committed.approval).toMatchObject({ status: 'approved', decidedBy: 'ann', comment: 'fair split <b>approved</b>' });
    expect(committed.plan!.revision).toBe(previewed.plan.revision);

    // The inventory system holds, line by line, what the preview showed: the SKU beyond a kept confirmation, and each substitute.
    const expected = new Map<string, number>();
    let cursor: string | undefined;
    do {
      const part = await operations.plan(incidentId, { revision: previewed.plan.revision, limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const l of part.lines) {
        const extra = l.allocated - (l.releasedConfirmation > 0 ? 0 : l.held);
        if (extra > 0) expected.set(`${l.lineId} ${SHORT_SKU}`, extra);
        for (const sub of l.substitutes) if (sub.units > 0) expected.set(`${l.lineId} ${sub.sku}`, sub.units);
      }
      cursor = part.nextCursor ?? undefined;
    } while (cursor);
    const pinned = (await operations.plan(incidentId, { revision: previewed.plan.revision, customer: customerId })).lines.find((l) => l.lineId === lineId)!;
    expect(pinned).toMatchObject({ allocated: allocated - 1, override: { allocate: allocated - 1, reason: 'customer <i>agreed</i> to wait' } });
    const held = new Map<string, number>();
    for (const r of await world.deps.inventory.listReservations({ incidentId: committed.incidentId, status: 'active' })) {
      held.set(`${r.lineId} ${r.sku}`, (held.get(`${r.lineId} ${r.sku}`) ?? 0) + r.quantity);
    }
    expect(held).toEqual(expected);

    // Who did it is on the timeline, and a comment or a reason is text, never markup.
    await page.reload();
    expect(await page.locator('.timeline').textContent()).toContain('plan approved — ann');
    expect(await page.locator('.figures').textContent()).toContain('fair split <b>approved</b>');
    await expect(page.locator('main b, main i').count()).resolves.toBe(0);
    await context.close();
  });

  it('records a restock against one of the SKU\'s purchase orders, and the report shows its charts', async () => {
    const { context, page } = await signIn('ann');
    const state = await waitFor((s) => s.stage === 'following-up' && s.firstNoticeAt !== null);
    await page.goto(incidentPath());
    const orders = await page.getByLabel('Against purchase order').locator('option').allTextContents();
    expect(orders.length).toBeGreaterThan(1);
    // Refused with the field named, recording nothing (the page's own form would not even send it).
    const csrf = (await page.locator('meta[name=csrf-token]').getAttribute('content'))!;
    const zero = await page.request.post(`${incidentPath()}/restocks`, { form: { quantity: '0', receiptKey: 'key-0000-0000', _csrf: csrf } });
    expect(zero.status()).toBe(400);
    expect(await zero.text()).toContain('restock.quantity');
    expect((await operations.show(incidentId)).pendingEvents).toBe(0);
    await page.getByLabel('Units received at the hub').fill(String(state.backorders!.openUnits));
    await page.getByLabel('Against purchase order').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Record restock' }).click();
    expect(await page.getByRole('status').textContent()).toContain('accepted');
    await waitFor((s) => s.stage === 'closed');
    await page.goto(incidentPath());
    expect(await page.locator('.timeline').textContent()).toMatch(/restock allocated — ann: receipt console-/);
    await page.getByRole('link', { name: 'Post-incident report' }).click();
    await page.waitForURL('**/report');
    const charts = page.locator('figure.chart svg[role=img]');
    expect(await charts.count()).toBeGreaterThanOrEqual(4);
    for (const title of ['Fill rate per relationship stage', 'Backordered units still open', "Largest customers' share of the supply", 'Revenue protected and lost per stage']) {
      expect(await page.locator('figure.chart figcaption', { hasText: title }).count()).toBe(1);
    }
    // Bars and lines were drawn with the report's figures, not left empty.
    expect(await page.locator('figure.chart rect.s1').count()).toBeGreaterThan(3);
    expect(await page.locator('figure.chart path.line').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+H/);
    await checkPage(page, 'report');
    await context.close();
  });
});
