// Payload encryption: the codec on its own, then a whole incident on the dev server whose history the
// Temporal server holds only encrypted, while the people steering it see everything.
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec, dataConverterFor, payloadKeysFromEnv } from '../../src/temporal/payload-codec';
import { stateQuery } from '../../workflows/definitions';
import { connectDevServer } from '../harness/temporal';
import { SHORT_SKU, createWorld, manualTrigger, policyWith, startIncident, waitForState } from '../incident/world';

const key = (id: string) => ({ id, key: randomBytes(32) });
const plain = (text: string): Payload => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(text)) });

describe('payload encryption codec', () => {
  it('round-trips a payload and hides its content', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([plain('ACME Hospital <orders@acme.example>')]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('ACME');
    const [opened] = await codec.decode([sealed!]);
    expect(JSON.parse(Buffer.from(opened!.data!).toString())).toBe('ACME Hospital <orders@acme.example>');
  });

  it('decrypts under an older key after a rotation, and passes unencrypted payloads through', async () => {
    const old = key('2026-01');
    const [sealed] = await new EncryptionCodec([old]).encode([plain('before the rotation')]);
    const rotated = new EncryptionCodec([key('2026-06'), old]);
    const [opened, untouched] = await rotated.decode([sealed!, plain('never encrypted')]);
    expect(JSON.parse(Buffer.from(opened!.data!).toString())).toBe('before the rotation');
    expect(JSON.parse(Buffer.from(untouched!.data!).toString())).toBe('never encrypted');
  });

  it('refuses a payload under an unknown key or one that was tampered with', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([plain('credit 5%')]);
    await expect(new EncryptionCodec([key('k2')]).decode([sealed!])).rejects.toThrow(/key 'k1'.*STOCKOUT_PAYLOAD_KEYS/);
    const data = Buffer.from(sealed!.data!);
    data[20]! ^= 1;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow();
  });

  it('reads its keys from STOCKOUT_PAYLOAD_KEYS and names the variable when they are wrong', () => {
    expect(payloadKeysFromEnv({})).toEqual([]);
    const good = randomBytes(32).toString('base64');
    expect(payloadKeysFromEnv({ STOCKOUT_PAYLOAD_KEYS: `new:${good}, old:${good}` }).map((k) => k.id)).toEqual(['new', 'old']);
    expect(() => payloadKeysFromEnv({ STOCKOUT_PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toThrow(/env\.STOCKOUT_PAYLOAD_KEYS.*32 bytes/);
    expect(() => payloadKeysFromEnv({ STOCKOUT_PAYLOAD_KEYS: `k1:${good},k1:${good}` })).toThrow(/env\.STOCKOUT_PAYLOAD_KEYS.*unique/);
    expect(() => payloadKeysFromEnv({ STOCKOUT_PAYLOAD_KEYS: 'no-colon' })).toThrow(/env\.STOCKOUT_PAYLOAD_KEYS.*keyId:base64/);
  });
});

describe('an incident with payload encryption on the dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('keeps customer data out of the server: every payload in its history is encrypted', async () => {
    const dataConverter = dataConverterFor([key('test')]);
    const world = await createWorld(env, { dataConverter });
    try {
      await world.worker.runUntil(async () => {
        const trigger = { ...manualTrigger(world, SHORT_SKU, 'Hospital St. Mary called: 3 days of stock left'), requestedBy: 'ward.sister@stmary.example' };
        const handle = await startIncident(world, trigger, policyWith({ approval: { severityThreshold: 'critical' } }));
        const state = await waitForState(handle, 'following-up');
        // Whoever holds the key sees the incident as usual.
        expect(state.triggers[0]!.requestedBy).toBe('ward.sister@stmary.example');
        expect(state.commit!.backorderedUnits).toBeGreaterThan(0);

        // The server (and anyone reading it without the key) sees ciphertext only.
        const history = await new Client({ connection: env.connection }).workflow.getHandle(handle.workflowId).fetchHistory();
        const payloads = JSON.stringify(history).match(/"encoding":"[^"]*"/g) ?? [];
        expect(payloads.length).toBeGreaterThan(10);
        const raw = JSON.stringify(history);
        expect(raw).not.toContain('stmary');
        expect(raw).not.toContain('Hospital St. Mary');
        const encodings = (history.events ?? []).flatMap((event) => findPayloads(event)).map((p) => Buffer.from(p.metadata!.encoding!).toString());
        expect(encodings.length).toBeGreaterThan(10);
        expect(new Set(encodings)).toEqual(new Set(['binary/encrypted']));
        // The Temporal UI's summaries go through the codec as well.
        expect((history.events ?? []).filter((event) => event.userMetadata?.summary).length).toBeGreaterThan(0);

        await handle.signal('cancel', { reason: 'test over', cancelledBy: 'codec-test' });
        expect((await handle.result()).outcome).toBe('cancelled');
        expect((await handle.query(stateQuery)).stage).toBe('cancelled');
      });
    } finally {
      await world.close();
    }
  });
});

/** Every Payload in a history event, wherever it sits (inputs, results, signals, updates, markers). */
function findPayloads(value: unknown): Payload[] {
  if (!value || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap(findPayloads);
  const object = value as Record<string, unknown>;
  // A patch marker's details are written by the SDK's core, not through the codec, and hold only the patch id.
  if (object.markerName === 'core_patch') return [];
  if ('payloads' in object && Array.isArray(object.payloads)) return object.payloads as Payload[];
  return Object.values(object).flatMap(findPayloads);
}
