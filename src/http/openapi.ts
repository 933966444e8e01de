// The OpenAPI 3.1 document of an endpoint table (./endpoint), for every server the project runs (the product
// API, the reference inventory and CRM): generated from the same zod schemas that validate requests and type
// replies, so a document cannot drift from what its server accepts and answers.
import { z } from 'zod';
import { successOf, type Endpoint } from './endpoint';
import { ErrorBodySchema } from './errors';

export type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema; `input` treats fields with defaults as optional for the caller. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Path or query parameters from a zod object; a query field is required when it has no default and is not optional. */
function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType, 'input'),
  }));
}

/** Fastify `:param` → OpenAPI `{param}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export interface OpenApiOptions {
  info: { title: string; version: string; description?: string };
  /** Failures every endpoint of the server can answer (e.g. 503 while a dependency is down). */
  errors?: Record<number, string>;
  /** What the bearer token of `auth` endpoints is; given, every operation says whether it needs it. */
  bearer?: string;
}

const INVALID_INPUT = 'Invalid input; `issues` names each field.';
const UNAUTHORIZED = 'Missing or wrong bearer token.';
const HTML = { 'text/html': { schema: { type: 'string' } } };
const ERROR = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

export function openApiDocument(table: Record<string, Endpoint>, options: OpenApiOptions) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, endpoint] of Object.entries(table)) {
    const responses: Record<string, unknown> = {};
    const success = endpoint.html ? HTML : { 'application/json': { schema: jsonSchema(endpoint.reply, 'output') } };
    for (const [status, description] of Object.entries(successOf(endpoint))) responses[status] = { description, content: success };
    const takesInput = endpoint.params ?? endpoint.query ?? endpoint.body;
    const errors = { ...(takesInput ? { 400: INVALID_INPUT } : {}), ...options.errors, ...endpoint.errors };
    for (const [status, description] of Object.entries(errors)) responses[status] = { description, content: endpoint.html ? HTML : ERROR };
    if (endpoint.auth) responses['401'] = { description: UNAUTHORIZED, content: ERROR };
    const mediaType = endpoint.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
    (paths[openApiPath(endpoint.path)] ??= {})[endpoint.method.toLowerCase()] = {
      operationId: name,
      summary: endpoint.summary,
      parameters: [...parameters('path', endpoint.params), ...parameters('query', endpoint.query)],
      ...(endpoint.body ? { requestBody: { required: endpoint.bodyType !== 'form', content: { [mediaType]: { schema: jsonSchema(endpoint.body, 'input') } } } } : {}),
      responses,
      ...(options.bearer ? { security: endpoint.auth ? [{ bearerAuth: [] }] : [] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: options.info,
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
      ...(options.bearer ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: options.bearer } } } : {}),
    },
  };
}
