// The Temporal CLI dev server for the embedded setup: SQLite persistence in the data folder (incidents
// survive a restart), the Web UI on, our search attributes registered.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { TypedSearchAttributes } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../temporal/search-attributes';
import { provideTemporalServers } from '../temporal/servers';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export async function startDevServer(options: { dataDir: string; port: number; uiPort: number }): Promise<DevServer> {
  const { devServer } = await provideTemporalServers();
  if (devServer.executable.type !== 'existing-path') throw new Error('the embedded dev server needs a local `temporal` binary');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(options.dataDir, 'temporal.sqlite'),
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--ip',
    '127.0.0.1',
    '--log-level',
    'error',
    ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`]),
  ];
  const child: ChildProcess = spawn(devServer.executable.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await Promise.race([waitForPort(options.port, 60_000), exited.then(() => false)]);
  if (!ready) {
    child.kill('SIGTERM');
    throw new Error(`the Temporal dev server did not start on port ${options.port}: ${stderr.trim() || 'no output'}`);
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
