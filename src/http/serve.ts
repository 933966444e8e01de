// Serving an endpoint table (./endpoint) on a Fastify instance, the one way both servers do it: params, query
// and body parsed by the endpoint's zod schemas before its handler runs (bad input throws InvalidInput, naming
// each field), the handler's answer sent with the endpoint's status and media type. What a server adds —
// authorization, CORS, how a failure is answered — comes in through ServeOptions and its own error handler.
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { z } from 'zod';
import { describeIssues, issuesOf, type Issue } from '../validation/issues';
import { successOf, type Endpoint, type Input } from './endpoint';
import type { ErrorBody } from './errors';

/** An answer with another of the endpoint's statuses than its lowest success status (see Endpoint.success). */
export class StatusReply<T> {
  constructor(
    readonly status: number,
    readonly value: T,
  ) {}
}

export const withStatus = <T>(status: number, value: T): StatusReply<T> => new StatusReply(status, value);

type Answer<E extends Endpoint> = z.input<E['reply']> | StatusReply<z.input<E['reply']>>;
export type Handler<E extends Endpoint> = (
  input: { params: Input<E['params']>; query: Input<E['query']>; body: Input<E['body']> },
  request: FastifyRequest,
) => Answer<E> | Promise<Answer<E>>;
export type Handlers<T extends Record<string, Endpoint>> = { [K in keyof T]: Handler<T[K]> };

/** What an endpoint hands on to the method that serves it: its body, or its query when it takes none. */
type HandedOn<E extends Endpoint> = E extends { body: z.ZodType } ? Input<E['body']> : Input<E['query']>;
type Serving<E extends Endpoint, Args extends unknown[]> = (...args: Args) => Answer<E> | Promise<Answer<E>>;
/** The names of the target's methods that can serve the endpoint given these arguments. */
type ServingMethod<T, E extends Endpoint, Args extends unknown[]> = { [O in keyof T]: T[O] extends Serving<E, Args> ? O : never }[keyof T];

const handedOn = (endpoint: Endpoint, input: { query: unknown; body: unknown }) => (endpoint.body ? input.body : input.query);

/** Handlers of endpoints each served by the target's method of the same name, given the body (or query) as it is. */
export function servedBy<A extends Record<string, Endpoint>, const K extends keyof A & string>(
  api: A,
  target: { [N in K]: Serving<A[N], [HandedOn<A[N]>]> },
  names: readonly K[],
): { [N in K]: Handler<A[N]> } {
  const handler = (name: K) => (input: { query: unknown; body: unknown }) => target[name](handedOn(api[name]!, input) as HandedOn<A[K]>);
  return Object.fromEntries(names.map((name) => [name, handler(name)])) as unknown as { [N in K]: Handler<A[N]> };
}

/** Handlers of `/…/:id` endpoints, each served by the target's method it names, given the id and the body (or query). */
export function servedById<A extends Record<string, Endpoint>, T, const M extends { [E in keyof A]?: ServingMethod<T, A[E], [string, HandedOn<A[E]>]> }>(
  api: A,
  target: T,
  methods: M,
): { [E in keyof M & keyof A]: Handler<A[E]> } {
  const handler = (name: string, method: keyof T) => (input: { params: unknown; query: unknown; body: unknown }) =>
    (target[method] as (id: string, input: unknown) => unknown)((input.params as { id: string }).id, handedOn(api[name]!, input));
  return Object.fromEntries(Object.entries(methods).map(([name, method]) => [name, handler(name, method as keyof T)])) as unknown as { [E in keyof M & keyof A]: Handler<A[E]> };
}

/** Input that breaks its endpoint's schemas; each server answers it as 400 with `issues`. */
export class InvalidInput extends Error {
  constructor(readonly issues: Issue[]) {
    super(describeIssues(issues));
    this.name = 'InvalidInput';
  }
}

export interface ServeOptions {
  /** Hooks run before the body is read, per endpoint: authorization, CORS. */
  onRequest?: (endpoint: Endpoint) => onRequestHookHandler[];
  /** What an `html` endpoint answers when its input or handler fails: customers get a page, never JSON. */
  failurePage?: (error: unknown, request: FastifyRequest) => { status: number; html: string };
}

export function serveEndpoints<T extends Record<string, Endpoint>>(app: FastifyInstance, table: T, handlers: Handlers<T>, options: ServeOptions = {}): void {
  for (const name of Object.keys(table) as (keyof T & string)[]) serveEndpoint(app, table[name], handlers[name], options);
}

function serveEndpoint<E extends Endpoint>(app: FastifyInstance, endpoint: E, handler: Handler<E>, options: ServeOptions) {
  const onRequest = options.onRequest?.(endpoint) ?? [];
  const status = Math.min(...Object.keys(successOf(endpoint)).map(Number));
  app.route({
    method: endpoint.method,
    url: endpoint.path,
    ...(endpoint.bodyLimit ? { bodyLimit: endpoint.bodyLimit } : {}),
    ...(onRequest.length ? { onRequest } : {}),
    handler: async (request, reply) => {
      if (endpoint.headers) reply.headers(endpoint.headers);
      const send = (code: number, value: unknown) => (endpoint.html ? reply.code(code).type('text/html; charset=utf-8').send(value) : reply.code(code).send(value));
      try {
        const answer = await handler(parseInput(endpoint, request), request);
        return answer instanceof StatusReply ? send(answer.status, answer.value) : send(status, answer);
      } catch (error) {
        if (!(endpoint.html && options.failurePage)) throw error;
        const page = options.failurePage(error, request);
        return send(page.status, page.html);
      }
    },
  });
}

function parseInput<E extends Endpoint>(endpoint: E, request: FastifyRequest): Parameters<Handler<E>>[0] {
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
    // An empty form is a form without fields.
    body: parse(endpoint.body, request.body ?? (endpoint.bodyType === 'form' ? {} : undefined), 'body'),
  };
  if (issues.length > 0) throw new InvalidInput(issues);
  return input as Parameters<Handler<E>>[0];
}

/**
 * Fastify's own 4xx (malformed JSON, unsupported media type, body too large, an over-long URL) as an error body
 * naming the part of the request at fault; null for anything else.
 */
export function requestFault(error: unknown): { status: number; body: ErrorBody } | null {
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message: string };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return null;
  // Content-type parser errors are about the body; the rest about the request.
  const path = code?.startsWith('FST_ERR_CTP') ? 'body' : 'request';
  return { status: statusCode, body: { error: `${path}: ${message}`, issues: [{ path, message }] } };
}

/** A server built on Fastify, not yet listening: `routes` lists every route it registered. */
export interface ServedApp {
  app: FastifyInstance;
  routes: string[];
}

/** Records every route the instance registers (`GET /items/:sku`), from now on. */
export function recordRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  return routes;
}
