// Encrypts every payload Temporal stores (workflow inputs and results, activity arguments, signals, updates,
// queries, continue-as-new state) with AES-256-GCM, when the deployment asks for it by setting
// STOCKOUT_PAYLOAD_KEYS. Customer data then never reaches the Temporal server in the clear. Search attributes
// stay readable on purpose: they hold only SKU, network, severity and stage.
//
// Keys rotate: STOCKOUT_PAYLOAD_KEYS lists `keyId:base64key` pairs, the first encrypts, all decrypt, so a
// new key goes first and an old one stays listed until no running incident still carries payloads under it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { z } from 'zod';
import { describeIssues, issuesOf } from '../validation/issues';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PayloadProto = proto.temporal.api.common.v1.Payload;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

const KeyListSchema = z
  .string()
  .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[\w.-]{1,64}:[A-Za-z0-9+/_-]+=*$/, 'each key is keyId:base64 (keyId: letters, digits, dot, dash, underscore)')
          .transform((entry) => {
            const [id, encoded] = entry.split(':') as [string, string];
            return { id, key: Buffer.from(encoded, 'base64') };
          })
          .refine((k) => k.key.length === 32, 'each key must be 32 bytes (openssl rand -base64 32)'),
      )
      .min(1, 'list at least one key'),
  )
  .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, 'key ids must be unique');

const CodecEnvSchema = z.object({ STOCKOUT_PAYLOAD_KEYS: KeyListSchema.optional() });

/** The payload keys from the environment; none when encryption is off. Errors name the variable. */
export function payloadKeysFromEnv(env: Record<string, string | undefined> = process.env): PayloadKey[] {
  const parsed = CodecEnvSchema.safeParse({ STOCKOUT_PAYLOAD_KEYS: env.STOCKOUT_PAYLOAD_KEYS || undefined });
  if (!parsed.success) throw new Error(`Invalid configuration: ${describeIssues(issuesOf(parsed.error, 'env'))}`);
  return parsed.data.STOCKOUT_PAYLOAD_KEYS ?? [];
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(PayloadProto.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(id) },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was turned on stay readable.
      if (Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString() !== ENCODING) return payload;
      const id = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.byId.get(id);
      if (!key) throw new Error(`payload encrypted with key '${id}', which STOCKOUT_PAYLOAD_KEYS does not list`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return PayloadProto.decode(plain);
    });
  }
}

/** What clients and workers pass to Temporal: encryption when keys are configured, the SDK's defaults otherwise. */
export function dataConverterFor(keys: PayloadKey[]): DataConverter {
  return keys.length > 0 ? { payloadCodecs: [new EncryptionCodec(keys)] } : {};
}
