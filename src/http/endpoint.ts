// An HTTP endpoint described once: method, path and zod schemas. The clients call it, the reference
// service serves and validates it, and the OpenAPI document is generated from it.
import type { z } from 'zod';

export interface Endpoint {
  method: 'GET' | 'POST' | 'PUT';
  /** Fastify-style path, e.g. `/items/:sku`. */
  path: string;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  reply: z.ZodType;
  /** Statuses other than 200 the endpoint answers on purpose, with their meaning. */
  errors?: Record<number, string>;
}

export type Input<S> = S extends z.ZodType ? z.output<S> : undefined;
export type Reply<E extends Endpoint> = z.output<E['reply']>;

/** Keeps each endpoint's literal type, so handlers and calls are typed by its schemas. */
export const endpoints = <const T extends Record<string, Endpoint>>(table: T): T => table;

/** `/items/:sku` with `{ sku: 'A/B' }` → `/items/A%2FB`. */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path parameter ${name} is missing for ${path}`);
    return encodeURIComponent(value);
  });
}
