// The OpenAPI 3.1 document, generated from the same route table and zod schemas that validate requests,
// so the document cannot drift from what the server accepts.
import type { z } from 'zod';
import { jsonSchema, openApiParameters } from '../http/openapi-schema';

export interface RouteDoc {
  method: 'GET' | 'POST';
  /** Fastify path, e.g. `/incidents/:id`. */
  path: string;
  summary: string;
  /** Needs `Authorization: Bearer <API_TOKEN>`. */
  operator: boolean;
  /** Answered without Temporal, so never 503. */
  offline?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Request body media type; JSON unless the route serves a browser form. */
  bodyType?: 'json' | 'form';
  /** Success status and what it means. */
  responses: Record<number, string>;
  /** Answers with an HTML page instead of JSON. */
  html?: boolean;
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'What went wrong, naming the field or the state that refused the request.' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string', examples: ['body.planRevision'] }, message: { type: 'string' } },
      },
    },
  },
};

const ERRORS: Record<number, string> = {
  400: 'Invalid input; `issues` names each field.',
  404: 'No such incident.',
  409: 'The incident refused the command in its current state (e.g. no plan awaiting approval, already closed).',
  503: 'Temporal or the incident worker is not reachable.',
};

/** Fastify `:param` → OpenAPI `{param}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApiDocument(routes: RouteDoc[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    const content = route.html ? { 'text/html': { schema: { type: 'string' } } } : { 'application/json': { schema: { type: 'object' } } };
    for (const [status, description] of Object.entries(route.responses)) responses[status] = { description, content };
    // Only the failures a route can have: bad input where it takes input, unknown or refusing incidents where it names one.
    const applicable: Record<number, unknown> = { 400: route.params ?? route.query ?? route.body, 404: route.params, 409: route.params, 503: route.operator && !route.offline };
    for (const [status, description] of Object.entries(ERRORS)) {
      if (!applicable[Number(status)]) continue;
      responses[status] ??= route.html
        ? { description, content: { 'text/html': { schema: { type: 'string' } } } }
        : { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    if (route.operator) responses['401'] = { description: 'Missing or wrong bearer token.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    const operation: Record<string, unknown> = {
      summary: route.summary,
      parameters: [...openApiParameters('path', route.params), ...openApiParameters('query', route.query)],
      responses,
      ...(route.operator ? { security: [{ bearerAuth: [] }] } : { security: [] }),
    };
    if (route.body) {
      const mediaType = route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
      operation.requestBody = { required: route.bodyType !== 'form', content: { [mediaType]: { schema: jsonSchema(route.body, 'input') } } };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API_TOKEN of the deployment.' } },
    },
  };
}
