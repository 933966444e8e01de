// The HTTP API: the endpoint table of ./endpoints served with the shared registration (../http/serve), each
// endpoint's handler here. Operator endpoints take the bearer token, customers answer through signed links.
// Nothing here logs a body, an email address, a token or an Authorization header.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { answersOfLink, type AnswerClaims, type AnswerLinks } from '../answer-links';
import type { AppConfig } from '../config/env';
import { openApiDocument } from '../http/openapi';
import { InvalidInput, recordRoutes, requestFault, serveEndpoints, servedById, withStatus, type Handlers, type ServeOptions, type ServedApp } from '../http/serve';
import { OperationError, manualTrigger, type IncidentOperations } from '../operations/incident-operations';
import { confirmPage, donePage, problemPage, refusedPage, requestProblemPage, type Page } from './answer-pages';
import { installJsonBodyParser } from './json-body';
import { allowUiOrigin, preflight, runCodecs } from './codec';
import { PAGE_HEADERS, codecApi, stockoutApi } from './endpoints';
import { registerConsole, type ConsoleOptions } from '../console/routes';

const page = (p: Page) => withStatus(p.status, p.html);

function handlers(operations: IncidentOperations, answerLinks: AnswerLinks, document: Record<string, unknown>): Handlers<typeof stockoutApi> {
  /** Verifies a link; a refused link becomes the 403 page instead of an exception. */
  function claimsOf(token: string): AnswerClaims | Page {
    try {
      return answerLinks.verify(token, new Date());
    } catch (error) {
      return refusedPage(error instanceof Error && error.message.endsWith('expired') ? 'expired' : 'invalid');
    }
  }
  const isPage = (value: AnswerClaims | Page): value is Page => 'html' in value;

  return {
    health: () => ({ status: 'ok' }),
    openApi: () => document,
    startIncident: async ({ body }) => {
      const result = await operations.trigger(manualTrigger(body));
      return withStatus(result.started ? 201 : 200, result);
    },
    listIncidents: async ({ query }) => ({ incidents: await operations.list(query) }),
    showIncident: ({ params }) => operations.show(params.id),
    ...servedById(stockoutApi, operations, {
      simulatePolicy: 'simulate', planLines: 'plan', planCustomers: 'planCustomers', comparePlans: 'comparePlans', previewOverrides: 'previewOverrides',
      decidePlan: 'decide', recordRestock: 'restock', changeEta: 'changeEta', recordAnswer: 'answer', cancelIncident: 'cancel', resumeIncident: 'resume', withdrawCommand: 'withdraw',
    }),
    incidentReport: ({ params }) => operations.report(params.id),
    criticalLevelWebhook: ({ body }) =>
      operations.trigger({
        triggerId: body.eventId,
        sku: body.sku,
        network: body.network,
        source: 'webhook',
        reason: `inventory system: on hand ${body.onHand} under critical level ${body.criticalLevel}`,
        onHand: body.onHand,
      }),
    orderEventWebhook: ({ body }) => operations.orderEvent(body),
    confirmAnswer: ({ params }) => {
      const claims = claimsOf(params.token);
      return page(isPage(claims) ? claims : confirmPage(claims));
    },
    submitAnswer: async ({ params, body }) => {
      const claims = claimsOf(params.token);
      if (isPage(claims)) return page(claims);
      // The answer id comes from the token: a double click is the same answer, applied once.
      const answerId = `link:${createHash('sha256').update(params.token).digest('base64url').slice(0, 32)}`;
      // A link for all lines of an email records one answer per line, each idempotent on its own.
      for (const answer of answersOfLink(claims, answerId, body)) await operations.answer(claims.w, answer);
      return page(donePage(claims));
    },
  };
}

function codecHandlers(payloadCodecs: PayloadCodec[]): Handlers<typeof codecApi> {
  return {
    encodePayloads: ({ body }) => runCodecs(payloadCodecs, 'encode', body),
    decodePayloads: ({ body }) => runCodecs(payloadCodecs, 'decode', body),
  };
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
  /** The planners' console under /console, for the deployment's users; not served without it. */
  console?: ConsoleOptions;
  /** Request logging: method, path without tokens, status; never bodies or headers. Off unless given. */
  log?: { level?: 'info' | 'warn' | 'error'; stream?: { write(line: string): void } };
}

/** The API on a Fastify instance, not yet listening; `routes` lists what it serves. */
export function buildApi(options: ApiOptions): ServedApp {
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
    // Refused before routing (an over-long or malformed URL): answered like any other bad request.
    frameworkErrors: (error, request, frameworkReply) => {
      const reply = frameworkReply as unknown as FastifyReply;
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      if (ANSWER_PATH.test(request.url)) return sendPage(reply, requestProblemPage(status));
      // Never the URL itself: it may carry an answer token.
      const message = status === 414 ? 'the URL is too long' : 'the URL is not valid';
      return reply.code(status).send({ error: `request: ${message}`, issues: [{ path: 'request', message }] });
    },
  });
  const routes = recordRoutes(app);
  installJsonBodyParser(app);

  // Answer links post a plain browser form; no extra dependency for that.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const codec = options.codec?.payloadCodecs.length ? options.codec : undefined;
  // The document describes itself too, and the codec only where it is served.
  const document = openApiDocument(
    { ...stockoutApi, ...(codec ? codecApi : {}) },
    { info: { title: 'stockout-orchestrator', version: '0.1.0' }, bearer: 'The API_TOKEN of the deployment.' },
  );
  const trusted = (request: FastifyRequest) => !!codec?.trustLoopbackUi && isLoopback(request.ip) && request.headers.origin === codec.uiOrigin;
  const serveOptions: ServeOptions = {
    onRequest: (endpoint) => [
      ...(endpoint.cors && codec ? [allowUiOrigin(codec.uiOrigin)] : []),
      // The embedded dev server's UI may read what it may call (CORS) without the token; see ApiOptions.codec.
      ...(endpoint.auth ? [(request: FastifyRequest, reply: FastifyReply) => (endpoint.cors && trusted(request) ? Promise.resolve(undefined) : authorize(request, reply, expected))] : []),
    ],
    failurePage: (error, request) => {
      // Customers get a page, never a stack or JSON, in their email's language when the link itself is good.
      const known = toOperationError(error);
      const claims = claimsOfRequest(options.answerLinks, request);
      if (known) return problemPage(known.status, known.issues, claims);
      request.log.error({ err: error }, 'answer link failed');
      return problemPage(500, [], claims);
    },
  };
  serveEndpoints(app, stockoutApi, handlers(options.operations, options.answerLinks, document), serveOptions);
  if (codec) {
    serveEndpoints(app, codecApi, codecHandlers(codec.payloadCodecs), serveOptions);
    for (const endpoint of Object.values(codecApi)) app.route({ method: 'OPTIONS', url: endpoint.path, handler: preflight(codec.uiOrigin) });
  }

  if (options.console) registerConsole(app, options.console);

  app.setErrorHandler((error: Error, request, reply) => {
    const known = toOperationError(error);
    if (!known) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({ error: 'internal error' });
    }
    // A customer's browser (a form body too large, say) gets the customer page.
    if (ANSWER_PATH.test(request.url)) return sendPage(reply, requestProblemPage(known.status, claimsOfRequest(options.answerLinks, request)));
    return reply.code(known.status).send({ error: known.message, ...(known.issues.length ? { issues: known.issues } : {}) });
  });

  return { app, routes };
}

/** The claims of the answer link a failed request came with, when it verifies: only to word the page. */
function claimsOfRequest(answerLinks: AnswerLinks, request: FastifyRequest): AnswerClaims | undefined {
  const token = (request.params as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string') return undefined;
  try {
    return answerLinks.verify(token, new Date());
  } catch {
    return undefined;
  }
}

/** Our own errors, input the endpoint's schemas refuse and Fastify's 4xx as answers; the rest is a 500. */
function toOperationError(error: unknown): OperationError | null {
  if (error instanceof OperationError) return error;
  if (error instanceof InvalidInput) return new OperationError('invalid', error.message, error.issues);
  const fault = requestFault(error);
  return fault ? new OperationError('invalid', fault.body.error, fault.body.issues, fault.status) : null;
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

/** The customer answer pages' paths: whatever goes wrong there is answered with a page. */
const ANSWER_PATH = /^\/answers\//;

function sendPage(reply: FastifyReply, page: Page): FastifyReply {
  return reply.code(page.status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page.html);
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Builds the API and listens on API_HOST:API_PORT (port 0 picks a free one). */
export async function startApi(options: ApiOptions & { config: Pick<AppConfig, 'API_TOKEN' | 'API_HOST' | 'API_PORT'> }): Promise<RunningApi> {
  const { app } = buildApi(options);
  await app.listen({ host: options.config.API_HOST, port: options.config.API_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.API_PORT;
  return { app, url: `http://${options.config.API_HOST}:${port}`, close: () => app.close() };
}
