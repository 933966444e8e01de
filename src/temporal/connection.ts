// Temporal connection settings come from the SDK's envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TLS variables, profiles in temporal.toml), so whatever works with the `temporal` CLI
// and Temporal Cloud works here unchanged.
import { Client, Connection, LOCAL_TARGET } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import proto from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { tracedClientOptions, type Tracing } from '../telemetry/tracing';
import { dataConverterFor, payloadKeysFromEnv } from './payload-codec';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

function connectConfig(override?: Partial<TemporalTarget>) {
  const config = loadClientConnectConfig();
  return {
    connectionOptions: {
      ...config.connectionOptions,
      ...(override?.address ? { address: override.address } : {}),
    },
    namespace: override?.namespace ?? config.namespace ?? 'default',
  };
}

/** Payload encryption when STOCKOUT_PAYLOAD_KEYS is set: clients and workers must use the same keys. */
export function configuredDataConverter(): DataConverter {
  return dataConverterFor(payloadKeysFromEnv());
}

/** Connecting to Temporal failed (nothing listens, or TLS or auth refused); carries the address so callers can say where they looked. */
export class TemporalUnreachableError extends Error {
  constructor(
    readonly target: TemporalTarget,
    cause: unknown,
  ) {
    super(`cannot reach Temporal at ${target.address} (namespace ${target.namespace}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TemporalUnreachableError';
  }
}

/** A client for starting, signalling and querying incidents; with tracing, its calls are the parents of the workflows' spans. */
export async function connectClient(override?: Partial<TemporalTarget>, tracing?: Tracing): Promise<Client> {
  const { connectionOptions, namespace } = connectConfig(override);
  const connection = await Connection.connect(connectionOptions).catch((error: unknown) => {
    // The SDK's own default when neither the environment nor a profile names an address.
    throw new TemporalUnreachableError({ address: connectionOptions.address ?? LOCAL_TARGET, namespace }, error);
  });
  return new Client({ connection, namespace, dataConverter: configuredDataConverter(), ...tracedClientOptions(tracing) });
}

/** A native connection for workers, with the same settings as the client. */
export async function connectWorker(override?: Partial<TemporalTarget>): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = connectConfig(override);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}

/**
 * Registers the incident search attributes on a server that does not take them as start flags (the
 * time-skipping test server, or a self-hosted cluster). Already registered is fine.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const searchAttributes = Object.fromEntries(
    ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (error) {
    if (!/already exists/i.test(error instanceof Error ? error.message : String(error))) throw error;
  }
}
