// Temporal connection settings come from the SDK's envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TLS variables, profiles in temporal.toml), so whatever works with the `temporal` CLI
// and Temporal Cloud works here unchanged.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

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

/** A client for starting, signalling and querying incidents. */
export async function connectClient(override?: Partial<TemporalTarget>): Promise<Client> {
  const { connectionOptions, namespace } = connectConfig(override);
  const connection = await Connection.connect(connectionOptions);
  return new Client({ connection, namespace });
}

/** A native connection for workers, with the same settings as the client. */
export async function connectWorker(override?: Partial<TemporalTarget>): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = connectConfig(override);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}
