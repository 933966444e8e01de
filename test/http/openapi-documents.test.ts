// Both servers' OpenAPI documents, over real HTTP: each lists every route its server registered, and every
// success reply with a schema that says what comes back (not a bare object).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnswerLinks } from '../../src/answer-links';
import { buildApi } from '../../src/api/server';
import type { ServedApp } from '../../src/http/serve';
import { startReferenceService, type ReferenceService } from '../../src/reference-service/service';
import { EncryptionCodec } from '../../src/temporal/payload-codec';
import { fakeOperations } from '../api/fake-operations';
import { tinyDataset } from '../reference-service/fixture';

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }> }>>;
}

let api: ServedApp & { url: string };
let reference: ReferenceService;
beforeAll(async () => {
  // With payload keys, so the codec routes are served and documented too.
  const served = buildApi({
    config: { API_TOKEN: 'operator-token-0123456789' },
    answerLinks: createAnswerLinks({ secret: 'answer-link-secret-answer-link-secret', ttlDays: 14, baseUrl: 'http://127.0.0.1:7300' }),
    operations: fakeOperations().operations,
    codec: { payloadCodecs: [new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }])], uiOrigin: 'http://127.0.0.1:8233' },
  });
  api = { ...served, url: await served.app.listen({ host: '127.0.0.1', port: 0 }) };
  reference = await startReferenceService({ dataset: tinyDataset() });
});
afterAll(async () => {
  await api?.app.close();
  await reference?.close();
});

const servers = () => [
  { name: 'product API', url: api.url, routes: api.routes },
  { name: 'reference inventory', url: reference.inventoryUrl, routes: reference.routes.inventory },
  { name: 'reference CRM', url: reference.crmUrl, routes: reference.routes.crm },
];

/** A schema that says something about the reply: not `{}`, and not an object that declares nothing it holds. */
function describesReply(schema: Record<string, unknown> | undefined): boolean {
  if (!schema || Object.keys(schema).length === 0) return false;
  if (schema.type !== 'object') return true;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  return Object.keys(properties).length > 0 || 'propertyNames' in schema || typeof schema.additionalProperties === 'object';
}

describe.each(['product API', 'reference inventory', 'reference CRM'])('the %s document', (name) => {
  const server = () => servers().find((s) => s.name === name)!;
  const fetchDoc = async () => (await (await fetch(`${server().url}/openapi.json`)).json()) as Doc;

  it('lists every route the server registered', async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    // HEAD mirrors each GET (Fastify adds it) and OPTIONS answers the codec's CORS preflight: neither is an endpoint.
    const registered = server().routes.filter((route) => !/^(HEAD|OPTIONS) /.test(route));
    expect(registered.length).toBeGreaterThan(5);
    expect(documented.sort()).toEqual([...registered].sort());
  });

  it('documents each success reply with a schema of what it holds', async () => {
    const doc = await fetchDoc();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const successes = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        expect(successes.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, response] of successes) {
          const schemas = Object.values(response.content ?? {}).map((media) => media.schema);
          expect(schemas.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
          for (const schema of schemas) expect(describesReply(schema), `${method} ${path} ${status}: ${JSON.stringify(schema)}`).toBe(true);
        }
      }
    }
  });
});

it('documents the product API replies with the schemas of the operations, not bare objects', async () => {
  const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as Doc;
  const reply = (path: string, method: string, status: string) =>
    doc.paths[path]![method]!.responses[status]!.content!['application/json']!.schema as { required?: string[]; properties?: Record<string, unknown> };
  expect(reply('/incidents/{id}', 'get', '200').required).toEqual(expect.arrayContaining(['stage', 'severity', 'plan', 'approval', 'timeline']));
  expect(reply('/incidents', 'post', '201').required).toEqual(['workflowId', 'started']);
  expect(reply('/incidents', 'post', '200').required).toEqual(['workflowId', 'started']);
  expect(reply('/incidents/{id}/restocks', 'post', '202').required).toEqual(['workflowId', 'message']);
  expect(reply('/incidents/{id}/report', 'get', '200').properties).toHaveProperty('report');
  expect(Object.keys(doc.paths['/answers/{token}']!.get!.responses['200']!.content!)).toEqual(['text/html']);
});
