// A child process whose output a test waits on: the main job, the standalone API, a worker.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

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
