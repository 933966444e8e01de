// The API as a codec server for the Temporal Web UI and CLI, following Temporal's remote codec protocol:
// POST /codec/encode and /codec/decode take `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`
// (proto3 JSON, so every bytes field is base64), run the payloads through the codecs the API's own client
// uses — the payload encryption of src/temporal/payload-codec.ts — and answer the same shape. The browser
// calls it from the UI's origin, so that one origin gets CORS answers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { OperationError } from '../operations/incident-operations';

export const CODEC_PATHS = { encode: '/codec/encode', decode: '/codec/decode' } as const;
export type CodecDirection = keyof typeof CODEC_PATHS;

/** Temporal refuses payloads over 2 MB; a batch of them, in base64, fits. */
export const CODEC_BODY_LIMIT = 16 * 1024 * 1024;

// Proto3 JSON writes bytes as standard base64; readers accept the URL-safe alphabet and missing padding too.
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

export const CodecPayloadsSchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), Base64).default({}),
        data: Base64.default(''),
      }),
    )
    .max(1000),
});
export type CodecPayloads = z.output<typeof CodecPayloadsSchema>;

/** Runs the payloads through the codecs in the SDK's order: encoding as listed, decoding in reverse. */
export async function runCodecs(codecs: PayloadCodec[], direction: CodecDirection, body: CodecPayloads): Promise<CodecPayloads> {
  let payloads: Payload[] = body.payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(data, 'base64'),
  }));
  try {
    for (const codec of direction === 'encode' ? codecs : [...codecs].reverse()) payloads = await codec[direction](payloads);
  } catch (error) {
    // A payload under a key we do not hold, or one that fails authentication: the request's fault, not ours.
    const message = `cannot ${direction}: ${error instanceof Error ? error.message : String(error)}`;
    throw new OperationError('invalid', `body.payloads: ${message}`, [{ path: 'body.payloads', message }]);
  }
  // Both keys always present: the Web UI takes an object as a payload only when it has metadata and data.
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')])),
      data: Buffer.from(payload.data ?? []).toString('base64'),
    })),
  };
}

/** On every codec answer: the UI's origin may read it (the 401 too, so the UI can tell why). */
export function allowUiOrigin(uiOrigin: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('vary', 'Origin');
    if (request.headers.origin === uiOrigin) reply.headers({ 'access-control-allow-origin': uiOrigin, 'access-control-allow-credentials': 'true' });
  };
}

/**
 * The browser's preflight before the UI posts JSON with X-Namespace and Authorization. It carries no token, so
 * it is answered without one; only the configured UI origin is told yes.
 */
export function preflight(uiOrigin: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    reply.header('vary', 'Origin');
    if (request.headers.origin !== uiOrigin) {
      return reply.code(403).send({ error: 'origin: not the Temporal Web UI this API serves (TEMPORAL_UI_ORIGIN)' });
    }
    return reply
      .code(204)
      .headers({
        'access-control-allow-origin': uiOrigin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type, x-namespace, authorization',
        'access-control-allow-credentials': 'true',
        'access-control-max-age': '600',
      })
      .send();
  };
}
