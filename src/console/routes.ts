// The console's routes under /console, registered on the API's Fastify instance in a scope of their own:
// sign-in and server-side sessions, a CSRF token on every write, the role checked on every write, pages
// with a Content-Security-Policy that allows only this package's script and styles. Every command goes
// through the same operations as the API and the CLI, with the signed-in person as who did it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parsePolicy, withPolicyChanges, type Policy } from '../allocation/policy';
import { may, type Action } from '../auth/roles';
import { SESSION_COOKIE, cookieValue, csrfMatches, sessionCookie, type Session, type Sessions } from '../auth/sessions';
import type { Directory } from '../auth/users';
import type { CrmSystem } from '../crm/system';
import type { InventorySystem } from '../inventory/system';
import { OperationError, resolveIncidentId, validate, type IncidentOperations } from '../operations/incident-operations';
import { invalidInput } from '../operations/operation-error';
import { awaitsDecision } from '../incident/planning';
import { isOwnPurchaseOrder } from '../incident/follow-up-checks';
import { html } from './html';
import { BoardFilterSchema, createBoardReader } from './board-data';
import { CancelFormSchema, DecisionFormSchema, EtaFormSchema, PlanTableQuerySchema, PreviewFormSchema, ResumeFormSchema, RunQuerySchema, WithdrawFormSchema, RestockFormSchema, SignInFormSchema, WhatIfFormSchema } from './forms';
import { boardPage, boardRows, incidentHref } from './pages/board';
import { incidentPage } from './pages/incident';
import { PLAN_PAGE_SIZE, planTable } from './pages/plan-table';
import { changedLinesTable, previewPage } from './pages/preview';
import { problemPage, signInPage } from './pages/layout';
import { reportPage } from './pages/report';
import { whatIfPage } from './pages/what-if';
import { WHAT_IF_POLICIES } from './what-if-policies';

export interface ConsoleOptions {
  operations: IncidentOperations;
  directory: Directory;
  sessions: Sessions;
  /** Session lifetime, for the cookie's Max-Age (the sessions themselves expire on their own). */
  sessionTtlMs: number;
  /** Cookies marked Secure: the console is served over https (PUBLIC_BASE_URL). */
  secureCookies: boolean;
  /** The deployment's policy, which what-if variants start from. */
  policy: Policy;
  currency: string;
  /** The SKU's inbound orders for restocks and ETA changes; without it those forms offer no orders. */
  inventory?: Pick<InventorySystem, 'listInbound'>;
  /** Emails per customer; without it the page says it cannot read them. */
  crm?: Pick<CrmSystem, 'listCommunications'>;
}

// Only this package's script and styles; SVG charts are inline markup, not scripts.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const ASSETS: Record<string, { type: string; file: URL }> = {
  'console.js': { type: 'text/javascript; charset=utf-8', file: new URL('./assets/console.js', import.meta.url) },
  'console.css': { type: 'text/css; charset=utf-8', file: new URL('./assets/console.css', import.meta.url) },
};

type RouteWork = (request: FastifyRequest, reply: FastifyReply, session: Session) => Promise<unknown>;

const IdParams = z.object({ id: z.string().max(500) });
const FORM_BODY_LIMIT = 1_100_000;
const WHAT_IF_LINES_SHOWN = 50;

export function registerConsole(app: FastifyInstance, options: ConsoleOptions): void {
  void app.register(async (scope) => consoleRoutes(scope, options));
}

async function consoleRoutes(scope: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { operations, sessions } = options;
  const board = createBoardReader(operations);
  const assets = Object.fromEntries(Object.entries(ASSETS).map(([name, a]) => [name, { type: a.type, body: readFileSync(a.file) }]));

  // Override drafts span the plan's pages, so the console's forms may be larger than an answer link's.
  scope.removeContentTypeParser('application/x-www-form-urlencoded');
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  scope.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/console/assets/')) reply.headers(PAGE_HEADERS);
  });

  const cookieOf = (request: FastifyRequest) => cookieValue(request.headers.cookie, SESSION_COOKIE);
  const sendPage = (reply: FastifyReply, status: number, page: string) => reply.code(status).type('text/html; charset=utf-8').send(page);
  /** The failure of a console request as a page naming what was wrong. */
  const refuse = (reply: FastifyReply, session: Session | null, error: unknown, back: string) => {
    const known = error instanceof OperationError ? error : null;
    if (!known) reply.log.error({ err: error }, 'console request failed');
    return sendPage(
      reply,
      known?.status ?? 500,
      problemPage({ title: 'Not done', session }, known?.status ?? 500, known?.message ?? 'Something went wrong on our side; it may not have been done.', known?.issues ?? [], back),
    );
  };

  /** The signed-in person's session; otherwise the sign-in page (a session that ended says so). */
  function sessionOf(request: FastifyRequest, reply: FastifyReply): Session | null {
    const session = sessions.find(cookieOf(request));
    if (session) return session;
    const ended = cookieOf(request) !== undefined && cookieOf(request) !== '';
    const error = ended ? 'Your session has ended; sign in again.' : undefined;
    if (request.method === 'GET') {
      void reply.header('set-cookie', sessionCookie(null, cookieOptions()));
      void sendPage(reply, 401, signInPage({ ...(error ? { error } : {}), next: request.url }));
    } else {
      void sendPage(reply, 401, signInPage({ error: error ?? 'Sign in first.' }));
    }
    return null;
  }

  /** A write: a live session, its CSRF token (form field `_csrf` or header `x-csrf-token`) and a role that may. */
  function writer(request: FastifyRequest, reply: FastifyReply, action: Action): Session | null {
    const session = sessionOf(request, reply);
    if (!session) return null;
    const sent = (request.body as Record<string, unknown> | undefined)?._csrf ?? request.headers['x-csrf-token'];
    if (!csrfMatches(session, sent)) {
      void refuse(reply, session, new OperationError('invalid', '_csrf: the form is missing its security token or it is out of date; reload the page and try again', [{ path: '_csrf', message: 'missing or wrong' }], 403), '/console/board');
      return null;
    }
    if (!may(session.person.role, action)) {
      void refuse(reply, session, new OperationError('invalid', `your role ${session.person.role} may not ${action.replace(/-/g, ' ')}`, [], 403), '/console/board');
      return null;
    }
    return session;
  }

  const cookieOptions = () => ({ secure: options.secureCookies, maxAgeSeconds: Math.floor(options.sessionTtlMs / 1000) });
  const idOf = (request: FastifyRequest) => resolveIncidentId(validate(IdParams, request.params, 'params').id);
  const flashOf = (session: Session) => {
    const flash = session.flash ?? null;
    session.flash = null;
    return flash;
  };
  /** After a write: back to the incident page with what happened said once at its top. */
  const done = (reply: FastifyReply, session: Session, href: string, text: string) => {
    session.flash = { text };
    return reply.code(303).header('location', href).send();
  };

  // ---- assets, sign-in, sign-out ----

  scope.get('/console/assets/:name', async (request, reply) => {
    const asset = assets[(request.params as { name: string }).name];
    if (!asset) return reply.code(404).type('text/plain').send('not found');
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').header('x-content-type-options', 'nosniff').send(asset.body);
  });
  scope.get('/console', async (_request, reply) => reply.code(303).header('location', '/console/board').send());
  scope.get('/console/sign-in', async (request, reply) => {
    const next = (request.query as { next?: unknown }).next;
    return sendPage(reply, 200, signInPage({ ...(typeof next === 'string' ? { next } : {}) }));
  });
  scope.post('/console/sign-in', async (request, reply) => {
    const form = SignInFormSchema.safeParse(request.body ?? {});
    if (!form.success) return sendPage(reply, 400, signInPage({ error: 'Enter your user name and password.' }));
    const person = await options.directory.signIn(form.data.name, form.data.password);
    if (!person) return sendPage(reply, 401, signInPage({ error: 'Wrong user name or password.', next: form.data.next }));
    sessions.close(cookieOf(request));
    const { id } = sessions.open(person);
    return reply.code(303).header('set-cookie', sessionCookie(id, cookieOptions())).header('location', form.data.next).send();
  });
  scope.post('/console/sign-out', async (request, reply) => {
    const session = writer(request, reply, 'read');
    if (!session) return reply;
    sessions.close(cookieOf(request));
    return reply.code(303).header('set-cookie', sessionCookie(null, cookieOptions())).header('location', '/console/sign-in').send();
  });

  /**
   * A console route's handler: the gate's session (the sign-in page or a refusal when there is none), then the
   * work; what fails is said on a page that links back to `back` (the board unless told otherwise).
   */
  const signedIn =
    (gate: (request: FastifyRequest, reply: FastifyReply) => Session | null, work: RouteWork, back = (_request: FastifyRequest) => '/console/board') =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const session = gate(request, reply);
      if (!session) return reply;
      try {
        return await work(request, reply, session);
      } catch (error) {
        return refuse(reply, session, error, back(request));
      }
    };
  const read = (path: string, work: RouteWork) => scope.get(path, signedIn(sessionOf, work));

  // ---- the board ----

  read('/console/board', async (request, reply, session) => {
    const filter = validate(BoardFilterSchema, emptyAsAbsent(request.query), 'filter');
    return sendPage(reply, 200, boardPage(session, filter, await board(filter), options.currency, flashOf(session)));
  });
  read('/console/board/rows', async (request, reply) => {
    const filter = validate(BoardFilterSchema, emptyAsAbsent(request.query), 'filter');
    return reply.type('text/html; charset=utf-8').send(boardRows(await board(filter), options.currency).value);
  });

  // ---- an incident ----

  read('/console/incidents/:id', async (request, reply, session) => {
    const id = idOf(request);
    const filter = validate(PlanTableQuerySchema, emptyAsAbsent(request.query), 'query');
    const { run } = validate(RunQuerySchema, emptyAsAbsent(request.query), 'query');
    const state = await operations.show(id, run ? { runId: run } : {});
    const href = incidentHref(id);
    const editable = awaitsDecision(state) && may(session.person.role, 'plan');
    const [inbound, communications, lines] = await Promise.all([
      options.inventory?.listInbound(state.sku).then((orders) => orders.filter((po) => po.status === 'open' && isOwnPurchaseOrder(state, po)), () => null) ?? null,
      options.crm ? communicationsOf(options.crm, state.incidentId).catch(() => null) : null,
      // The plan's lines are read from the latest run only.
      state.plan && !run ? operations.plan(id, { ...filter, limit: PLAN_PAGE_SIZE }) : null,
    ]);
    const planLines = lines && state.plan ? planTable({ session, href, plan: state.plan, page: lines, filter, editable }) : null;
    return sendPage(
      reply,
      200,
      incidentPage(
        session,
        { state, workflowId: id, currency: options.currency, inbound, communications, planLines, whatIfPolicies: WHAT_IF_POLICIES, receiptKey: randomUUID(), ...(run ? { runId: run } : {}) },
        flashOf(session),
      ),
    );
  });

  read('/console/incidents/:id/report', async (request, reply, session) => {
    const id = idOf(request);
    const { run } = validate(RunQuerySchema, emptyAsAbsent(request.query), 'query');
    return sendPage(reply, 200, reportPage(session, id, await operations.report(id, run ? { runId: run } : {}), options.currency, run));
  });

  /** Back from a failed write: to the incident's page, or to the board when the id itself is wrong. */
  const incidentPageOf = (request: FastifyRequest) => {
    try {
      return incidentHref(idOf(request));
    } catch {
      return '/console/board';
    }
  };

  /** A write on an incident: parsed, done as the signed-in person, answered with the incident page (or why not). */
  const onIncident = (path: string, action: Action, work: (id: string, session: Session, body: Record<string, unknown>) => Promise<string | { page: string }>) =>
    scope.post(
      `/console/incidents/:id${path}`,
      { bodyLimit: FORM_BODY_LIMIT },
      signedIn(
        (request, reply) => writer(request, reply, action),
        async (request, reply, session) => {
          const id = idOf(request);
          const outcome = await work(id, session, (request.body ?? {}) as Record<string, unknown>);
          return typeof outcome === 'string' ? done(reply, session, incidentHref(id), outcome) : sendPage(reply, 200, outcome.page);
        },
        incidentPageOf,
      ),
    );

  onIncident('/decision', 'approve', async (id, session, body) => {
    const form = validate(DecisionFormSchema, body, 'decision');
    const who = session.person.name;
    const approval =
      form.decision === 'reject'
        ? await operations.decide(id, { decision: 'reject', planRevision: form.planRevision, decidedBy: who, comment: form.comment ?? '' })
        : // Edits reach a decision only through a preview: the revision approved is one the person saw.
          await operations.decide(id, { decision: 'approve', planRevision: form.planRevision, decidedBy: who, ...(form.comment ? { comment: form.comment } : {}) });
    return `Plan ${approval.status} by ${who}.`;
  });

  onIncident('/what-if', 'plan', async (id, session, body) => {
    const form = validate(WhatIfFormSchema, body, 'what-if');
    // An edited policy is changes to the deployment's, as a preset is.
    const changes = form.policy !== undefined ? form.policy : WHAT_IF_POLICIES[form.preset ?? 'configured'].changes(options.policy);
    const policy = withPolicyChanges(options.policy, changes);
    // Parsed here too, so an edited policy's mistakes are named before the incident is asked.
    const parsed = validatePolicy(policy);
    const [state, simulation] = [await operations.show(id), await operations.simulate(id, parsed)];
    // The lines the other policy serves otherwise: the worse off first, then the better off.
    const changed = await Promise.all(
      (['worse', 'improved'] as const).map((change) => operations.comparePlans(id, { simulation: simulation.simulationId, change, limit: WHAT_IF_LINES_SHOWN })),
    );
    const lineChanges = html`<h2>Lines served otherwise</h2>
<p>${changed.map((c, i) => html`${i ? ', ' : ''}${c.total} lines ${i === 0 ? 'worse off' : 'better off'}`)}${changed.some((c) => c.nextCursor) ? html` (the first ${WHAT_IF_LINES_SHOWN} of each shown)` : ''}.</p>
${changedLinesTable(changed.flatMap((c) => c.lines), 'Lines the other policy serves otherwise')}`;
    return { page: whatIfPage(session, id, state, simulation, options.currency, lineChanges) };
  });

  onIncident('/preview', 'plan', async (id, session, body) => {
    const form = validate(PreviewFormSchema, body, 'preview');
    if (form.overrides.length === 0) throw invalidInput([{ path: 'preview.overrides', message: 'change at least one line before previewing' }]);
    const preview = await operations.previewOverrides(id, { planRevision: form.planRevision, overrides: form.overrides, previewedBy: session.person.name });
    return { page: previewPage(session, id, await operations.show(id), preview, options.currency) };
  });

  onIncident('/restocks', 'record-follow-up', async (id, session, body) => {
    const form = validate(RestockFormSchema, body, 'restock');
    const result = await operations.restock(id, {
      // The form's key makes a resubmitted form the same receipt, so it is recorded once.
      receiptId: `console-${form.receiptKey.slice(0, 13)}`,
      quantity: form.quantity,
      recordedBy: session.person.name,
      ...(form.poId ? { poId: form.poId } : {}),
    });
    return result.message;
  });

  onIncident('/eta-changes', 'record-follow-up', async (id, session, body) => {
    const form = validate(EtaFormSchema, body, 'eta');
    return (await operations.changeEta(id, { poId: form.poId, eta: form.eta, ...(form.reason ? { reason: form.reason } : {}), recordedBy: session.person.name })).message;
  });

  onIncident('/cancel', 'cancel', async (id, session, body) => {
    const form = validate(CancelFormSchema, body, 'cancel');
    return (await operations.cancel(id, { reason: form.reason, cancelledBy: session.person.name })).message;
  });

  onIncident('/resume', 'resume', async (id, session, body) => {
    const form = validate(ResumeFormSchema, body, 'resume');
    return (await operations.resume(id, { resumedBy: session.person.name, ...(form.note ? { note: form.note } : {}) })).message;
  });

  // Instead of resuming: the restock, ETA change or answer whose write parked the incident is dropped.
  onIncident('/withdraw', 'resume', async (id, session, body) => {
    const form = validate(WithdrawFormSchema, body, 'withdraw');
    return (await operations.withdraw(id, { withdrawnBy: session.person.name, reason: form.reason })).message;
  });
}

function validatePolicy(raw: unknown): Policy {
  try {
    return parsePolicy(raw);
  } catch (error) {
    const issues = (error as { issues?: { path: string; message: string }[] }).issues ?? [];
    throw new OperationError('invalid', error instanceof Error ? error.message : String(error), issues);
  }
}

/** The incident's emails grouped by customer, in the order they were recorded. */
async function communicationsOf(crm: Pick<CrmSystem, 'listCommunications'>, incidentId: string) {
  const byCustomer = new Map<string, { kind: string; outcome: string; recordedAt: string }[]>();
  let cursor: string | undefined;
  // A few thousand emails at most per incident; the page lists them all.
  for (let pages = 0; pages < 50; pages++) {
    const page = await crm.listCommunications({ incidentId, limit: 500, ...(cursor ? { cursor } : {}) });
    for (const c of page.communications) {
      if (!c.customerId) continue;
      const list = byCustomer.get(c.customerId) ?? [];
      list.push({ kind: c.kind, outcome: c.outcome, recordedAt: c.recordedAt });
      byCustomer.set(c.customerId, list);
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return [...byCustomer].sort(([a], [b]) => a.localeCompare(b)).map(([customerId, entries]) => ({ customerId, entries }));
}

/** Filter forms send empty fields for "any". */
function emptyAsAbsent(query: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== ''));
}
