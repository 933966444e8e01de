// The API as the Temporal Web UI's codec server, over real HTTP: Temporal's remote codec protocol (proto3 JSON
// payloads, base64 bytes) through the same encryption codec clients and workers use, the operator token, and
// CORS for the configured UI origin only. Without payload keys the routes do not exist.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { createAnswerLinks } from '../../src/answer-links';
import { startApi, type RunningApi } from '../../src/api/server';
import { EncryptionCodec } from '../../src/temporal/payload-codec';
import { fakeOperations } from './fake-operations';

const TOKEN = 'operator-token-0123456789';
const UI_ORIGIN = 'http://127.0.0.1:8233';
const answerLinks = createAnswerLinks({ secret: 'answer-link-secret-answer-link-secret', ttlDays: 14, baseUrl: 'http://127.0.0.1:7300' });
const codec = new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }]);
const auth = { authorization: `Bearer ${TOKEN}` };

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function serve(payloadCodecs = [codec], trustLoopbackUi = false) {
  api = await startApi({
    operations: fakeOperations().operations,
    answerLinks,
    config: { API_TOKEN: TOKEN, API_HOST: '127.0.0.1', API_PORT: 0 },
    codec: { payloadCodecs, uiOrigin: UI_ORIGIN, trustLoopbackUi },
  });
  const base = api.url;
  return (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${base}${path}`, {
      method: init.method ?? 'POST',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
}

type JsonPayloads = { payloads: { metadata: Record<string, string>; data: string }[] };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (base64: string) => Buffer.from(base64, 'base64').toString();

/** What the UI sends: payloads as the Temporal server's JSON API shows them. */
const plain: JsonPayloads = {
  payloads: [
    { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ customerId: 'CUST-9', email: 'buyer@customer.example' })) },
    { metadata: { encoding: b64('binary/null') }, data: '' },
  ],
};

describe('codec server (payload keys configured)', () => {
  it('in the embedded setup trusts the token-less Web UI on loopback, and nobody else without the token', async () => {
    const request = await serve([codec], true);
    const fromUi = await request('/codec/encode', { headers: { origin: UI_ORIGIN, 'x-namespace': 'default' }, body: plain });
    expect(fromUi.status).toBe(200);
    expect((await request('/codec/encode', { body: plain })).status).toBe(401);
    expect((await request('/codec/encode', { headers: { origin: 'http://evil.example' }, body: plain })).status).toBe(401);
    // Only the codec: every other operator route still wants the token.
    expect((await request('/incidents', { method: 'GET', headers: { origin: UI_ORIGIN } })).status).toBe(401);
    await api!.close();
    api = undefined;
    const strict = await serve([codec], false);
    expect((await strict('/codec/encode', { headers: { origin: UI_ORIGIN }, body: plain })).status).toBe(401);
  });

  it('encodes and decodes following the remote codec protocol: the round trip gives back the input', async () => {
    const request = await serve();
    const encodedResponse = await request('/codec/encode', { headers: { ...auth, 'x-namespace': 'default' }, body: plain });
    expect(encodedResponse.status).toBe(200);
    const encoded = (await encodedResponse.json()) as JsonPayloads;
    expect(encoded.payloads).toHaveLength(2);
    for (const payload of encoded.payloads) {
      expect(text(payload.metadata.encoding!)).toBe('binary/encrypted');
      expect(text(payload.metadata['encryption-key-id']!)).toBe('k1');
      expect(text(payload.data)).not.toContain('CUST-9');
    }
    const decodedResponse = await request('/codec/decode', { headers: { ...auth, 'x-namespace': 'default' }, body: encoded });
    expect(decodedResponse.status).toBe(200);
    expect(await decodedResponse.json()).toEqual(plain);
  });

  it('decodes what the SDK encrypted with the same codec, the way workers write it', async () => {
    const request = await serve();
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ sku: 'SKU-1', note: 'for the UI' })]);
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([key, value]) => [key, Buffer.from(value!).toString('base64')])),
          data: Buffer.from(sealed!.data!).toString('base64'),
        },
      ],
    };
    const decoded = (await (await request('/codec/decode', { headers: auth, body })).json()) as JsonPayloads;
    expect(text(decoded.payloads[0]!.metadata.encoding!)).toBe('json/plain');
    expect(JSON.parse(text(decoded.payloads[0]!.data))).toEqual({ sku: 'SKU-1', note: 'for the UI' });
  });

  it('refuses to decode without the operator token', async () => {
    const request = await serve();
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }] as Record<string, string>[]) {
      const response = await request('/codec/decode', { headers: { ...headers, origin: UI_ORIGIN }, body: plain });
      expect(response.status).toBe(401);
      // The UI may read the refusal, so it can say why instead of failing on CORS.
      expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    }
    expect((await request('/codec/encode', { body: plain })).status).toBe(401);
  });

  it('refuses malformed payloads and ones under an unknown key, naming the field', async () => {
    const request = await serve();
    const notBase64 = await request('/codec/decode', { headers: auth, body: { payloads: [{ metadata: { encoding: 'json plain' }, data: '' }] } });
    expect(notBase64.status).toBe(400);
    expect(((await notBase64.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('body.payloads.0.metadata.encoding');
    const otherKey = (await (await request('/codec/encode', { headers: auth, body: plain })).json()) as JsonPayloads;
    otherKey.payloads[0]!.metadata['encryption-key-id'] = b64('retired');
    const unknown = await request('/codec/decode', { headers: auth, body: otherKey });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/^body\.payloads: cannot decode: .*'retired'/);
  });

  it("answers the browser's preflight from the Temporal UI origin, and from no other", async () => {
    const request = await serve();
    const preflight = (origin: string) =>
      request('/codec/decode', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
    const fromUi = await preflight(UI_ORIGIN);
    expect(fromUi.status).toBe(204);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(fromUi.headers.get('access-control-allow-credentials')).toBe('true');
    expect(fromUi.headers.get('access-control-allow-methods')).toContain('POST');
    expect(fromUi.headers.get('access-control-allow-headers')!.split(/,\s*/).sort()).toEqual(['authorization', 'content-type', 'x-namespace']);

    const fromElsewhere = await preflight('https://evil.example');
    expect(fromElsewhere.status).toBe(403);
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(fromElsewhere.headers.get('access-control-allow-credentials')).toBeNull();
    // Nor may another origin read a decoded answer, even one sent with the token.
    const read = await request('/codec/decode', { headers: { ...auth, origin: 'https://evil.example' }, body: plain });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is listed in the OpenAPI document as an operator route', async () => {
    const request = await serve();
    const doc = (await (await request('/openapi.json', { method: 'GET' })).json()) as { paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>> };
    for (const path of ['/codec/encode', '/codec/decode']) {
      expect(doc.paths[path]!.post!.security).toEqual([{ bearerAuth: [] }]);
      expect(Object.keys(doc.paths[path]!.post!.responses).sort()).toEqual(['200', '400', '401']);
    }
  });
});

describe('without payload keys', () => {
  it('has no codec routes: 404 for encode, decode and their preflight', async () => {
    const request = await serve([]);
    for (const path of ['/codec/encode', '/codec/decode']) {
      expect((await request(path, { headers: auth, body: plain })).status).toBe(404);
      expect((await request(path, { method: 'OPTIONS', headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST' } })).status).toBe(404);
    }
    const doc = (await (await request('/openapi.json', { method: 'GET' })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/codec'))).toEqual([]);
  });
});
