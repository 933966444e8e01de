// OpenAPI 3.1 documents generated from the endpoint tables and their zod schemas, so the document
// cannot drift from what the service accepts and answers.
import { z } from 'zod';
import type { Endpoint } from '../http/endpoint';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType, 'input'),
  }));
}

const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'What went wrong, naming the field, the record or the invariant.' },
    issues: {
      type: 'array',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string', examples: ['body.items.3.quantity'] }, message: { type: 'string' } } },
    },
  },
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function openApiDocument(info: { title: string; description: string }, table: Record<string, Endpoint>) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, e] of Object.entries(table)) {
    const path = e.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      200: { description: 'OK', content: { 'application/json': { schema: jsonSchema(e.reply, 'output') } } },
      400: errorResponse('Invalid input; `issues` names each field.'),
      503: errorResponse('Unavailable (or an injected fault): retry later.'),
    };
    for (const [status, description] of Object.entries(e.errors ?? {})) responses[status] = errorResponse(description);
    (paths[path] ??= {})[e.method.toLowerCase()] = {
      operationId: name,
      summary: e.summary,
      parameters: [...parameters('path', e.params), ...parameters('query', e.query)],
      ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(e.body, 'input') } } } } : {}),
      responses,
    };
  }
  return { openapi: '3.1.0', info: { ...info, version: '1.0.0' }, paths, components: { schemas: { Error: ERROR_BODY } } };
}
