// Serving an endpoint table with Fastify: params, query and body validated by the endpoint's zod schemas
// (400 naming each field), refusals as their status with the store's message, faults injected on demand.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Endpoint, Input } from '../http/endpoint';
import { describeIssues, issuesOf, type ErrorBody, type Issue } from '../http/errors';
import type { FaultInjector } from './faults';
import { FaultsSchema } from './faults';
import { openApiDocument } from './openapi';
import { ServiceError } from './writes';

export type Handler<E extends Endpoint> = (input: { params: Input<E['params']>; query: Input<E['query']>; body: Input<E['body']> }) => z.input<E['reply']>;
export type Handlers<T extends Record<string, Endpoint>> = { [K in keyof T]: Handler<T[K]> };

/** Routes every service has besides its own: its OpenAPI document and the fault switch. */
export const adminApi = {
  openApi: { method: 'GET', path: '/openapi.json', summary: 'This OpenAPI 3.1 document', reply: z.record(z.string(), z.unknown()) },
  getFaults: { method: 'GET', path: '/_admin/faults', summary: 'Injected faults now in force', reply: FaultsSchema },
  setFaults: { method: 'PUT', path: '/_admin/faults', summary: 'Set injected faults (restarts their sequence from the seed)', body: FaultsSchema, reply: FaultsSchema },
} as const satisfies Record<string, Endpoint>;

function serve<E extends Endpoint>(app: FastifyInstance, endpoint: E, handler: Handler<E>) {
  app.route({
    method: endpoint.method,
    url: endpoint.path,
    handler: async (request, reply) => {
      const issues: Issue[] = [];
      const parse = (schema: z.ZodType | undefined, value: unknown, root: string) => {
        if (!schema) return undefined;
        const result = schema.safeParse(value);
        if (result.success) return result.data;
        issues.push(...issuesOf(result.error, root));
        return undefined;
      };
      const input = {
        params: parse(endpoint.params, request.params, 'params'),
        query: parse(endpoint.query, request.query, 'query'),
        body: parse(endpoint.body, request.body, 'body'),
      } as Parameters<Handler<E>>[0];
      if (issues.length > 0) return reply.code(400).send({ error: `invalid request: ${describeIssues(issues)}`, issues } satisfies ErrorBody);
      try {
        return handler(input);
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        return reply.code(error.status).send({ error: error.message, ...(error.issues.length > 0 ? { issues: error.issues } : {}) } satisfies ErrorBody);
      }
    },
  });
}

export interface ServedApi<T extends Record<string, Endpoint>> {
  title: string;
  description: string;
  api: T;
  handlers: Handlers<T>;
}

/** One Fastify instance serving an endpoint table, its OpenAPI document and the fault switch; `routes` lists what it serves. */
export function buildApp<T extends Record<string, Endpoint>>(served: ServedApi<T>, faults: FaultInjector, logger = false): { app: FastifyInstance; routes: string[] } {
  const app = Fastify({ logger, exposeHeadRoutes: false, forceCloseConnections: true, bodyLimit: 8 * 1024 * 1024 });
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  const lostReplies = new WeakSet<FastifyRequest>();
  const exempt = (request: FastifyRequest) => Object.values(adminApi).some((e) => e.path === request.routeOptions.url);

  app.addHook('onRequest', async (request, reply) => {
    if (exempt(request) || !request.routeOptions.url) return;
    const { latencyMs } = faults.get();
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const action = faults.decide();
    if (action === 'lose-reply') lostReplies.add(request);
    if (action === 'hang') await faults.hang();
    if (action === 'hang' || action === 'error') return reply.code(503).send({ error: `injected fault: ${action}` } satisfies ErrorBody);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!lostReplies.has(request)) return payload;
    reply.code(503);
    return JSON.stringify({ error: 'injected fault: the reply was lost after the request was applied' } satisfies ErrorBody);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: `invalid request: body: ${error.message}`, issues: [{ path: 'body', message: error.message }] } satisfies ErrorBody);
    request.log.error({ err: { name: error.name, message: error.message } }, 'request failed');
    return reply.code(500).send({ error: 'internal error' } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route for ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorBody));

  const document = openApiDocument({ title: served.title, description: served.description }, { ...served.api, ...adminApi });
  serve(app, adminApi.openApi, () => document);
  serve(app, adminApi.getFaults, () => faults.get());
  serve(app, adminApi.setFaults, ({ body }) => faults.set(body));
  for (const name of Object.keys(served.api) as (keyof T & string)[]) serve(app, served.api[name], served.handlers[name]);
  return { app, routes };
}
