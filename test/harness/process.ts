// Real processes in tests: a child whose output a test waits on (the main job, the standalone API), the free
// ports to give it, the embedded main job's settings for those ports, and waiting for what they do.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

export interface WatchedProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the output matches; rejects after the timeout, or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
}

export function spawnWatched(command: string, args: string[], options: SpawnOptions): WatchedProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += String(chunk);
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(output)) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`));
      }, timeoutMs);
      listeners.add(check);
      // Output still buffered when it exits gets a moment to arrive before the wait gives up.
      void exited.then(() => setTimeout(() => reject(new Error(`exited before ${pattern}; output:\n${output}`)), 100));
      check();
    });
  return { child, output: () => output, exited, waitFor };
}

/**
 * Ports free now, from below the kernel's ephemeral range (32768–60999 on Linux): a test holds its ports across
 * process restarts, and a port the OS hands out for listen(0) is one it may next give any outgoing connection on
 * the machine (the main job's restart once found its reference service's port taken so).
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = FIXED_PORTS.from + Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from + 1));
    if (!ports.includes(port) && (await listenable(port))) ports.push(port);
  }
  return ports;
}

const FIXED_PORTS = { from: 20_000, to: 32_767 };

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The embedded main job on ports of its own: its settings, its API's URL and every port it will hold. */
export async function mainJobPorts() {
  const [api, inventory, crm, smtp, temporal, ui] = (await freePorts(6)) as [number, number, number, number, number, number];
  const apiUrl = `http://127.0.0.1:${api}`;
  return {
    apiUrl,
    uiOrigin: `http://127.0.0.1:${ui}`,
    ports: [api, inventory, crm, smtp, temporal, ui],
    env: {
      API_PORT: String(api),
      PUBLIC_BASE_URL: apiUrl,
      INVENTORY_URL: `http://127.0.0.1:${inventory}`,
      CRM_URL: `http://127.0.0.1:${crm}`,
      SMTP_PORT: String(smtp),
      STOCKOUT_DEV_SERVER_PORT: String(temporal),
      STOCKOUT_DEV_SERVER_UI_PORT: String(ui),
    },
  };
}

/** Polls `probe` until it gives a value other than undefined; fails naming `what` after the timeout. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
