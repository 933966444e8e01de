// Serving an endpoint table as the reference service: the shared endpoint registration (../http/serve), the
// service's OpenAPI document and fault switch beside it, refusals as their status with the store's message,
// faults injected on demand.
import Fastify, { type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Endpoint } from '../http/endpoint';
import type { ErrorBody } from '../http/errors';
import { openApiDocument } from '../http/openapi';
import { InvalidInput, recordRoutes, requestFault, serveEndpoints, type Handlers, type ServedApp } from '../http/serve';
import type { FaultInjector } from './faults';
import { FaultsSchema } from './faults';
import { ServiceError } from './writes';

/** Routes every service has besides its own: its OpenAPI document and the fault switch. */
export const adminApi = {
  openApi: { method: 'GET', path: '/openapi.json', summary: 'This OpenAPI 3.1 document', reply: z.record(z.string(), z.unknown()) },
  getFaults: { method: 'GET', path: '/_admin/faults', summary: 'Injected faults now in force', reply: FaultsSchema },
  setFaults: { method: 'PUT', path: '/_admin/faults', summary: 'Set injected faults (restarts their sequence from the seed)', body: FaultsSchema, reply: FaultsSchema },
} as const satisfies Record<string, Endpoint>;

export interface ServedApi<T extends Record<string, Endpoint>> {
  title: string;
  description: string;
  api: T;
  handlers: Handlers<T>;
}

/** One Fastify instance serving an endpoint table, its OpenAPI document and the fault switch; `routes` lists what it serves. */
export function buildApp<T extends Record<string, Endpoint>>(served: ServedApi<T>, faults: FaultInjector, logger = false): ServedApp {
  const app = Fastify({ logger, exposeHeadRoutes: false, forceCloseConnections: true, bodyLimit: 8 * 1024 * 1024 });
  const routes = recordRoutes(app);
  const lostReplies = new WeakSet<FastifyRequest>();
  const exempt = (request: FastifyRequest) => Object.values(adminApi).some((e) => e.path === request.routeOptions.url);

  app.addHook('onRequest', async (request, reply) => {
    if (exempt(request) || !request.routeOptions.url) return;
    const { latencyMs, routes } = faults.get();
    if (routes && !routes.includes(`${request.method} ${request.routeOptions.url}`)) return;
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

  app.setErrorHandler((error: Error, request, reply) => {
    if (error instanceof InvalidInput) return reply.code(400).send({ error: `invalid request: ${error.message}`, issues: error.issues } satisfies ErrorBody);
    if (error instanceof ServiceError) {
      return reply.code(error.status).send({ error: error.message, ...(error.issues.length > 0 ? { issues: error.issues } : {}) } satisfies ErrorBody);
    }
    const fault = requestFault(error);
    if (fault) return reply.code(fault.status).send({ ...fault.body, error: `invalid request: ${fault.body.error}` } satisfies ErrorBody);
    request.log.error({ err: { name: error.name, message: error.message } }, 'request failed');
    return reply.code(500).send({ error: 'internal error' } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route for ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorBody));

  const document = openApiDocument(
    { ...served.api, ...adminApi },
    { info: { title: served.title, description: served.description, version: '1.0.0' }, errors: { 503: 'Unavailable (or an injected fault): retry later.' } },
  );
  serveEndpoints(app, adminApi, { openApi: () => document, getFaults: () => faults.get(), setFaults: ({ body }) => faults.set(body) });
  serveEndpoints(app, served.api, served.handlers);
  return { app, routes };
}
