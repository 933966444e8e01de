// OpenAPI 3.1 documents generated from the endpoint tables and their zod schemas, so the document
// cannot drift from what the service accepts and answers.
import type { Endpoint } from '../http/endpoint';
import { jsonSchema, openApiParameters } from '../http/openapi-schema';

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
      parameters: [...openApiParameters('path', e.params), ...openApiParameters('query', e.query)],
      ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(e.body, 'input') } } } } : {}),
      responses,
    };
  }
  return { openapi: '3.1.0', info: { ...info, version: '1.0.0' }, paths, components: { schemas: { Error: ERROR_BODY } } };
}
