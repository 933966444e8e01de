// An HTTP endpoint described once, as data: method, path, zod schemas for its input and its success reply,
// what it answers and who may call it. Clients call it (./client), servers serve it (./serve) and the
// OpenAPI document is generated from it (./openapi), for the product API and the reference service alike.
import type { z } from 'zod';

export interface Endpoint {
  method: 'GET' | 'POST' | 'PUT';
  /** Fastify-style path, e.g. `/items/:sku`. */
  path: string;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Request body media type: JSON unless the endpoint takes a browser form. */
  bodyType?: 'json' | 'form';
  /** The success reply: JSON of this schema, or with `html` a page (a string). */
  reply: z.ZodType;
  /** Answers with an HTML page instead of JSON, failures included. */
  html?: boolean;
  /** Headers sent with every answer of the endpoint, failures included. */
  headers?: Record<string, string>;
  /**
   * Success statuses and their meaning; `{ 200: 'OK' }` unless given. The lowest is answered unless the handler
   * picks another (`withStatus`).
   */
  success?: Record<number, string>;
  /** Failure statuses the endpoint answers on purpose, with their meaning (400 for bad input is implied). */
  errors?: Record<number, string>;
  /** Needs `Authorization: Bearer <token>`, checked before the body is read. */
  auth?: 'bearer';
  /** A browser origin the server names may call it (CORS, with a preflight). */
  cors?: boolean;
  /** Largest body accepted, when it is not the server's default. */
  bodyLimit?: number;
}

export type Input<S> = S extends z.ZodType ? z.output<S> : undefined;
export type Reply<E extends Endpoint> = z.output<E['reply']>;

/** Keeps each endpoint's literal type, so handlers and calls are typed by its schemas. */
export const endpoints = <const T extends Record<string, Endpoint>>(table: T): T => table;

/** The success statuses of an endpoint with their meaning. */
export function successOf(endpoint: Endpoint): Record<number, string> {
  return endpoint.success ?? { 200: 'OK' };
}

/** `/items/:sku` with `{ sku: 'A/B' }` → `/items/A%2FB`. */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path parameter ${name} is missing for ${path}`);
    return encodeURIComponent(value);
  });
}
