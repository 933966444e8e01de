// `npm run bench -- engine`: allocate against the sort of the same priority keys at 10k, 100k and 1M lines,
// each size in a process of its own (its peak memory is its own). Goal: at most 2× the sort, under 600 bytes
// a line above the input.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Each size: the median of `repeats` timed runs after `warmUps` untimed ones, for the engine and the sort alike.
// A single cold run at 10k lines is mostly the JIT compiling (seen from 10 to 244 ms); 1M runs once, warm enough.
const SIZES = [
  { lines: 10_000, repeats: 15, warmUps: 10 },
  { lines: 100_000, repeats: 5, warmUps: 2 },
  { lines: 1_000_000, repeats: 1, warmUps: 0 },
];

export async function benchEngine(): Promise<Record<string, number | string>> {
  const script = fileURLToPath(new URL('./engine/one-size.ts', import.meta.url));
  const out: Record<string, number | string> = {};
  for (const { lines, repeats, warmUps } of SIZES) {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-old-space-size=4096', script, String(lines), String(repeats), String(warmUps)], {
      encoding: 'utf8',
    });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { engineMs: number; sortMs: number; peakRss: number; engineBytesPerLine: number };
    const ratio = r.engineMs / r.sortMs;
    const at = `${lines.toLocaleString('en')} lines`;
    out[`${at}: engine ms (median of ${repeats}, ${warmUps} warm-up)`] = Math.round(r.engineMs);
    out[`${at}: sort ms`] = Math.round(r.sortMs);
    out[`${at}: ratio`] = ratio.toFixed(2);
    out[`${at}: peak RSS MB`] = Math.round(r.peakRss / 1024 / 1024);
    out[`${at}: engine bytes/line above the input`] = Math.round(r.engineBytesPerLine);
    if (ratio > 2 || r.engineBytesPerLine > 600) out[`${at}: goal`] = 'MISSED (≤ 2× the sort, < 600 bytes/line)';
  }
  return out;
}
