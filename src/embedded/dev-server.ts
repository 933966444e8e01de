// The Temporal CLI dev server for the embedded setup: SQLite persistence in the data folder (incidents
// survive a restart), the Web UI on, our search attributes registered. It runs in its own process group, so
// a Ctrl-C in the terminal reaches only the main job, which stops the server after the worker has drained.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../temporal/search-attributes';
import { provideDevServer } from '../setup/temporal-servers';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startDevServer(options: {
  dataDir: string;
  port: number;
  uiPort: number;
  /** A codec server (`…/codec`) through which the Web UI shows encrypted payloads decoded. */
  codecEndpoint?: string;
}): Promise<DevServer> {
  const dbFile = join(options.dataDir, 'temporal.sqlite');
  const pidFile = join(options.dataDir, 'temporal-dev-server.pid');
  // A main job killed outright (SIGKILL; or tsx's own Ctrl-C relay, which kills a child busy for 60 ms) leaves
  // its detached server running on this data folder: stop it before starting ours.
  await stopLeftover(pidFile, dbFile);
  // A server already on our port would answer the readiness probe: we would silently run on someone else's.
  for (const [port, variable] of [
    [options.port, 'STOCKOUT_DEV_SERVER_PORT'],
    [options.uiPort, 'STOCKOUT_DEV_SERVER_UI_PORT'],
  ] as const) {
    if (await portTaken(port)) {
      throw new Error(
        `port ${port} on ${HOST} is already taken by another process (another Temporal dev server or an earlier main job still running?): stop it, or choose a free port with ${variable}`,
      );
    }
  }
  const devServer = await provideDevServer();
  if (devServer.executable.type !== 'existing-path') throw new Error('the embedded dev server needs a local `temporal` binary');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--ip',
    HOST,
    '--log-level',
    'error',
    ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`]),
    ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
  ];
  // Its errors go to a file, not a pipe: a server left behind by a main job killed outright would otherwise
  // die of SIGPIPE at its next line of output instead of waiting to be stopped by the next start.
  const logFile = join(options.dataDir, 'temporal-dev-server.log');
  const log = openSync(logFile, 'w');
  const child = spawn(devServer.executable.path, args, { stdio: ['ignore', 'ignore', log], detached: true });
  closeSync(log);
  if (child.pid !== undefined) writeFileSync(pidFile, `${child.pid}\n`);
  // Detached, it would outlive a main job that exits on an error; SIGTERM lets it close its database.
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    process.off('exit', stopOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
    rmSync(pidFile, { force: true });
  };
  const address = `${HOST}:${options.port}`;
  const ready = await waitUntilAnswering(address, 60_000, () => child.exitCode === null && child.signalCode === null);
  if (!ready) {
    await stop();
    const output = readFileSync(logFile, 'utf8').slice(-4000).trim();
    throw new Error(`the Temporal dev server did not start on port ${options.port}: ${output || 'no output'} (log: ${logFile})`);
  }
  return { address, uiUrl: `http://${HOST}:${options.uiPort}`, stop };
}

/** Stops the server an earlier run recorded, if it still runs on this database (a reused pid is left alone). */
async function stopLeftover(pidFile: string, dbFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  } catch {
    return;
  }
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // gone meanwhile
    }
  };
  if (Number.isInteger(pid) && pid > 0 && commandLineOf(pid)?.includes(dbFile)) {
    signal('SIGTERM');
    const deadline = Date.now() + 15_000;
    while (commandLineOf(pid) !== undefined) {
      if (Date.now() > deadline) signal('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  rmSync(pidFile, { force: true });
}

function commandLineOf(pid: number): string | undefined {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined; // ps exits 1 when there is no such process
  }
}

/** Whether something already listens on the port (binding it ourselves is the one reliable test). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/**
 * Whether the frontend answers within the time, while the server still runs: its port opens before it serves,
 * and calls in between fail "Frontend is not healthy yet". A fresh connection each try, as a refused one backs
 * off its reconnects; each is closed, answered or not.
 */
async function waitUntilAnswering(address: string, timeoutMs: number, running: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (running() && Date.now() < deadline) {
    const connection = Connection.lazy({ address, connectTimeout: Math.max(1, Math.min(5_000, deadline - Date.now())) });
    try {
      // Resolves only once the server has answered GetSystemInfo.
      await connection.ensureConnected();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await connection.close();
    }
  }
  return false;
}
