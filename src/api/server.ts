// The HTTP API: operators and inventory systems steer incidents, customers answer through signed links.
// One route table drives validation (zod), authorization and the OpenAPI document. Nothing here logs a
// body, an email address, a token or an Authorization header.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PolicySchema } from '../allocation/policy';
import type { AnswerClaims, AnswerLinks } from '../answer-links';
import type { AppConfig } from '../config/env';
import { CancelSchema, CustomerAnswerSchema, EtaChangeSchema, PlanDecisionSchema, RestockSchema, ResumeSchema, TriggerSchema } from '../incident/commands';
import { confirmPage, donePage, problemPage, refusedPage, type Page } from './answer-pages';
import { allowUiOrigin, CODEC_BODY_LIMIT, CODEC_PATHS, CodecPayloadsSchema, preflight, runCodecs } from './codec';
import { buildOpenApiDocument, type RouteDoc } from './openapi';
import {
  ListFilterSchema,
  ManualTriggerSchema,
  OperationError,
  manualTrigger,
  resolveIncidentId,
  validate,
  type IncidentOperations,
} from '../operations/incident-operations';

// ---- request schemas that exist only at the HTTP edge ----

const IncidentParams = z.object({
  id: z
    .string()
    .max(500)
    .transform((value, ctx) => {
      try {
        return resolveIncidentId(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof OperationError ? (error.issues[0]?.message ?? error.message) : String(error) });
        return z.NEVER;
      }
    })
    .meta({ description: 'Incident workflow id (`stockout:network:sku`) or the `network:sku` shorthand.' }),
});

const TokenParams = z.object({ token: z.string().min(1).max(2000) });

/** An inventory system reports a SKU under its critical level; `eventId` makes its retries idempotent. */
export const CriticalLevelEventSchema = z
  .object({
    sku: TriggerSchema.shape.sku,
    network: TriggerSchema.shape.network,
    onHand: z.number().int(),
    criticalLevel: z.number().int().nonnegative(),
    eventId: TriggerSchema.shape.triggerId,
  })
  // A report that is not under the critical level is a misconfigured sender, not a shortage.
  .refine((event) => event.onHand < event.criticalLevel, { path: ['onHand'], message: 'must be below criticalLevel' });

// Browser forms send strings; an empty field means "not given". Only a can-wait answer has fields, checked
// by the shared answer schema's own rules.
const fromForm = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : typeof v === 'string' ? Number(v) : v), schema);
const canWait = CustomerAnswerSchema.options[2].shape;
const AnswerFormSchema = z.object({ onHand: fromForm(canWait.onHand), dailyUsage: fromForm(canWait.dailyUsage) });

// ---- the route table ----

type Reply = { status: number; json: unknown } | Page;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
interface Input {
  params: unknown;
  query: unknown;
  body: unknown;
}
interface Route extends RouteDoc {
  handle(input: Input, request: FastifyRequest): Promise<Reply>;
  /** The one browser origin allowed to read the answers (CORS). */
  corsOrigin?: string;
  bodyLimit?: number;
  /** An operator route may trust some requests without the token (see ApiOptions.codec.trustLoopbackUi). */
  trusted?: (request: FastifyRequest) => boolean;
}

/** Types a route's handler by its schemas; registration validates with the same schemas before calling it. */
function route<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteDoc & Pick<Route, 'corsOrigin' | 'bodyLimit' | 'trusted'> & {
    params?: P;
    query?: Q;
    body?: B;
    handle(input: { params: Out<P>; query: Out<Q>; body: Out<B> }, request: FastifyRequest): Promise<Reply>;
  },
): Route {
  return spec as Route;
}

const json = (status: number, body: unknown): Reply => ({ status, json: body });

const OPENAPI_ROUTE: RouteDoc = {
  method: 'GET',
  path: '/openapi.json',
  summary: 'This document.',
  operator: false,
  responses: { 200: 'The OpenAPI 3.1 document.' },
};

function routes(operations: IncidentOperations, answerLinks: AnswerLinks, codec: ApiOptions['codec']): Route[] {
  /** Verifies a link; a refused link becomes the 403 page instead of an exception. */
  function claimsOf(token: string): AnswerClaims | Page {
    try {
      return answerLinks.verify(token, new Date());
    } catch (error) {
      return refusedPage(error instanceof Error && error.message.endsWith('expired') ? 'expired' : 'invalid');
    }
  }
  const isPage = (value: AnswerClaims | Page): value is Page => 'html' in value;

  return [
    route({
      method: 'GET',
      path: '/health',
      summary: 'Liveness: the API process is up.',
      operator: false,
      responses: { 200: 'Up.' },
      handle: async () => json(200, { status: 'ok' }),
    }),
    route({
      method: 'POST',
      path: '/incidents',
      summary: 'Start an incident by hand, or attach the trigger to the incident already running for the SKU and network.',
      operator: true,
      body: ManualTriggerSchema,
      responses: {
        201: 'A new incident started.',
        200: 'Attached to the running incident, or (`alreadyRecorded`) the trigger id was already recorded by the ended one: nothing started.',
        422: 'The inventory system does not know the SKU.',
      },
      handle: async ({ body }) => {
        const result = await operations.trigger(manualTrigger(body));
        return json(result.started ? 201 : 200, result);
      },
    }),
    route({
      method: 'GET',
      path: '/incidents',
      summary: 'List incidents, filtered by stage, severity, SKU or network.',
      operator: true,
      query: ListFilterSchema,
      responses: { 200: 'Matching incidents, newest first.' },
      handle: async ({ query }) => json(200, { incidents: await operations.list(query) }),
    }),
    route({
      method: 'GET',
      path: '/incidents/:id',
      summary: 'The incident as it stands: stage, severity, impact, plan, approval, backorders, timeline.',
      operator: true,
      params: IncidentParams,
      responses: { 200: 'The incident state.' },
      handle: async ({ params }) => json(200, await operations.show(params.id)),
    }),
    route({
      method: 'POST',
      path: '/incidents/:id/simulate',
      summary: 'What-if: the current plan recomputed under another policy, compared per relationship stage. Commits nothing.',
      operator: true,
      params: IncidentParams,
      body: PolicySchema,
      responses: { 200: 'Current and simulated plan summaries with their difference.' },
      handle: async ({ params, body }) => json(200, await operations.simulate(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/incidents/:id/decision',
      summary: 'Approve (with overrides) or reject the plan awaiting approval.',
      operator: true,
      params: IncidentParams,
      body: PlanDecisionSchema,
      responses: { 200: 'The approval state after the decision.' },
      handle: async ({ params, body }) => json(200, await operations.decide(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/incidents/:id/restocks',
      summary: 'Record a restock receipt; it is allocated to open backorders by the same engine.',
      operator: true,
      params: IncidentParams,
      body: RestockSchema,
      responses: { 202: 'Receipt accepted (or already recorded).' },
      handle: async ({ params, body }) => json(202, await operations.restock(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/incidents/:id/eta-changes',
      summary: 'A purchase order arrives on another date; customers it concerns are told.',
      operator: true,
      params: IncidentParams,
      body: EtaChangeSchema,
      responses: { 202: 'ETA change accepted.' },
      handle: async ({ params, body }) => json(202, await operations.changeEta(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/incidents/:id/answers',
      summary: 'Record a customer answer received another way (phone, email reply).',
      operator: true,
      params: IncidentParams,
      body: CustomerAnswerSchema,
      responses: { 202: 'Answer accepted.' },
      handle: async ({ params, body }) => json(202, await operations.answer(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/incidents/:id/cancel',
      summary: 'Cancel the incident: unshipped transfers cancelled, reservations released, customers told.',
      operator: true,
      params: IncidentParams,
      body: CancelSchema,
      responses: { 202: 'Cancellation requested.' },
      handle: async ({ params, body }) => json(202, await operations.cancel(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/incidents/:id/resume',
      summary: 'Retry the stage an incident parked in "needs attention" once the data behind it is fixed.',
      operator: true,
      params: IncidentParams,
      body: ResumeSchema,
      responses: { 202: 'Resume requested.' },
      handle: async ({ params, body }) => json(202, await operations.resume(params.id, body)),
    }),
    route({
      method: 'GET',
      path: '/incidents/:id/report',
      summary: 'The post-incident report of a closed incident.',
      operator: true,
      params: IncidentParams,
      responses: { 200: 'Report summary and, when stored, the full report.' },
      handle: async ({ params }) => json(200, await operations.report(params.id)),
    }),
    route({
      method: 'POST',
      path: '/webhooks/inventory/critical-level',
      summary: 'An inventory system reports a SKU under its critical level. Retries with the same eventId are idempotent, also after the incident ended.',
      operator: true,
      body: CriticalLevelEventSchema,
      responses: { 202: 'Incident started, trigger attached, (`alreadyRecorded`) the event was already handled, or (`heldBack`) a false alarm just closed and the event reports no materially lower stock.', 422: 'The inventory system does not know the SKU.' },
      handle: async ({ body }) => {
        const result = await operations.trigger({
          triggerId: body.eventId,
          sku: body.sku,
          network: body.network,
          source: 'webhook',
          reason: `inventory system: on hand ${body.onHand} under critical level ${body.criticalLevel}`,
          onHand: body.onHand,
        });
        return json(202, result);
      },
    }),
    route({
      method: 'GET',
      path: '/answers/:token',
      summary: 'Customer answer link: a page confirming what the customer is about to do. Changes nothing.',
      operator: false,
      html: true,
      params: TokenParams,
      responses: { 200: 'Confirmation page with a button.', 403: 'Expired or invalid link.' },
      handle: async ({ params }) => {
        const claims = claimsOf(params.token);
        return isPage(claims) ? claims : confirmPage(claims);
      },
    }),
    route({
      method: 'POST',
      path: '/answers/:token',
      summary: 'Customer answer link: record the answer. A second click records nothing new.',
      operator: false,
      html: true,
      params: TokenParams,
      body: AnswerFormSchema,
      bodyType: 'form',
      responses: { 200: 'Answer recorded.', 403: 'Expired or invalid link.' },
      handle: async ({ params, body }) => {
        const claims = claimsOf(params.token);
        if (isPage(claims)) return claims;
        // The answer id comes from the token: a double click is the same answer, applied once.
        const answerId = `link:${createHash('sha256').update(params.token).digest('base64url').slice(0, 32)}`;
        const base = { answerId, incidentId: claims.i, customerId: claims.c, lineId: claims.l };
        await operations.answer(claims.w, claims.a === 'can-wait' ? { ...base, answer: 'can-wait', ...body } : { ...base, answer: claims.a });
        return donePage(claims);
      },
    }),
    // Decoding hands out the customer data that payload encryption keeps from the Temporal server, so the codec
    // takes the operator token like every operator route. The `temporal` CLI sends it (`--codec-auth "Bearer …"`);
    // a Web UI sends a bearer token only with its "Pass access token" option — the token of its own login, and
    // only to an https endpoint — so a UI reaches the codec through something that adds this header, except the
    // embedded dev server's UI on loopback (trustLoopbackUi).
    ...(codec?.payloadCodecs.length
      ? (['encode', 'decode'] as const).map((direction) =>
          route({
            method: 'POST',
            path: CODEC_PATHS[direction],
            summary: `Temporal remote codec: ${direction} payloads (${direction === 'decode' ? 'decrypt' : 'encrypt'}) for the Temporal Web UI and CLI. Served only when payload keys are configured.`,
            operator: true,
            offline: true,
            body: CodecPayloadsSchema,
            responses: { 200: `The payloads ${direction}d, same shape.` },
            corsOrigin: codec.uiOrigin,
            bodyLimit: CODEC_BODY_LIMIT,
            ...(codec.trustLoopbackUi ? { trusted: (request: FastifyRequest) => isLoopback(request.ip) && request.headers.origin === codec.uiOrigin } : {}),
            handle: async ({ body }) => json(200, await runCodecs(codec.payloadCodecs, direction, body)),
          }),
        )
      : []),
  ];
}

// ---- the server ----

export interface ApiOptions {
  operations: IncidentOperations;
  config: Pick<AppConfig, 'API_TOKEN'>;
  answerLinks: AnswerLinks;
  /**
   * The payload codecs of the API's client (payload encryption) and the Temporal Web UI's origin: when there are
   * codecs, the API is the UI's and CLI's codec server at /codec; without, those routes do not exist (404).
   */
  codec?: {
    payloadCodecs: PayloadCodec[];
    uiOrigin: string;
    /**
     * The embedded setup only: the dev server's Web UI has no login and sends no token, and everything listens
     * on this machine, so the UI's requests from loopback are trusted as the dev server itself trusts them.
     */
    trustLoopbackUi?: boolean;
  };
  /** Request logging: method, path without tokens, status; never bodies or headers. Off unless given. */
  log?: { level?: 'info' | 'warn' | 'error'; stream?: { write(line: string): void } };
}

export function buildApi(options: ApiOptions): FastifyInstance {
  const token = options.config.API_TOKEN;
  if (!token) throw new Error('Invalid configuration: env.API_TOKEN: required to serve the operator endpoints (at least 16 characters)');
  const expected = sha256(token);

  const app = Fastify({
    // Answer-link tokens are path parameters of a few hundred characters.
    routerOptions: { maxParamLength: 2048 },
    logger: options.log
      ? {
          level: options.log.level ?? 'info',
          ...(options.log.stream ? { stream: options.log.stream } : {}),
          serializers: {
            req: (req) => ({ method: req.method, url: redactUrl(req.url ?? '') }),
            res: (res) => ({ statusCode: res.statusCode }),
          },
        }
      : false,
  });

  // Answer links post a plain browser form; no extra dependency for that.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const table = routes(options.operations, options.answerLinks, options.codec);
  // The document describes itself too, so it is built from the table plus its own entry.
  const document = buildOpenApiDocument([...table, OPENAPI_ROUTE], { title: 'stockout-orchestrator', version: '0.1.0' });
  table.push({ ...OPENAPI_ROUTE, handle: async () => json(200, document) });

  for (const spec of table) {
    const onRequest = [
      ...(spec.corsOrigin ? [allowUiOrigin(spec.corsOrigin)] : []),
      ...(spec.operator
        ? [(request: FastifyRequest, reply: FastifyReply) => (spec.trusted?.(request) ? Promise.resolve(undefined) : authorize(request, reply, expected))]
        : []),
    ];
    app.route({
      method: spec.method,
      url: spec.path,
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      ...(onRequest.length ? { onRequest } : {}),
      handler: async (request, reply) => {
        const result = await handle(spec, request);
        if ('html' in result) {
          return reply.code(result.status).headers(HTML_HEADERS).type('text/html; charset=utf-8').send(result.html);
        }
        return reply.code(result.status).send(result.json);
      },
    });
    if (spec.corsOrigin) app.route({ method: 'OPTIONS', url: spec.path, handler: preflight(spec.corsOrigin) });
  }

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const known = toOperationError(error);
    if (!known) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({ error: 'internal error' });
    }
    return reply.code(known.status).send({ error: known.message, ...(known.issues.length ? { issues: known.issues } : {}) });
  });

  return app;
}

async function handle(spec: Route, request: FastifyRequest): Promise<Reply> {
  try {
    const input: Input = {
      params: spec.params ? validate(spec.params, request.params, 'params') : undefined,
      query: spec.query ? validate(spec.query, request.query, 'query') : undefined,
      body: spec.body ? validate(spec.body, request.body ?? (spec.bodyType === 'form' ? {} : undefined), 'body') : undefined,
    };
    return await spec.handle(input, request);
  } catch (error) {
    if (!spec.html) throw error;
    // Customers get a page, never a stack or JSON.
    const known = toOperationError(error);
    if (!known) {
      request.log.error({ err: error }, 'answer link failed');
      return problemPage(500, 'Something went wrong on our side.');
    }
    return problemPage(known.status, known.message);
  }
}

/** Our own errors and Fastify's 4xx (malformed JSON, unsupported media type, body too large) as answers; the rest is a 500. */
function toOperationError(error: unknown): OperationError | null {
  if (error instanceof OperationError) return error;
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message: string };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return null;
  // Content-type parser errors are about the body; the rest (e.g. an over-long URL) about the request.
  const path = code?.startsWith('FST_ERR_CTP') ? 'body' : 'request';
  return new OperationError('invalid', `${path}: ${message}`, [{ path, message }], statusCode);
}

/** Runs before the body is read: an unauthorized request is answered without parsing anything it sent. */
async function authorize(request: FastifyRequest, reply: FastifyReply, expected: Buffer): Promise<FastifyReply | undefined> {
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  // Hashing both sides makes the comparison constant-time whatever the lengths.
  if (given && timingSafeEqual(sha256(given), expected)) return undefined;
  return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'authorization: a valid bearer token is required' });
}

/** A loopback address or host name: only this machine reaches it. */
export function isLoopback(address: string): boolean {
  return /^(localhost$|127\.|::1$|::ffff:127\.)/.test(address);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The request path for logs: answer-link tokens and query strings (SKUs, filters) left out. */
export function redactUrl(url: string): string {
  return url.split('?')[0]!.replace(/^\/answers\/[^/]+/, '/answers/[token]');
}

const HTML_HEADERS = {
  'cache-control': 'no-store',
  // The token is in the URL: never send it on as a referrer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Builds the API and listens on API_HOST:API_PORT (port 0 picks a free one). */
export async function startApi(options: ApiOptions & { config: Pick<AppConfig, 'API_TOKEN' | 'API_HOST' | 'API_PORT'> }): Promise<RunningApi> {
  const app = buildApi(options);
  await app.listen({ host: options.config.API_HOST, port: options.config.API_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.API_PORT;
  return { app, url: `http://${options.config.API_HOST}:${port}`, close: () => app.close() };
}
