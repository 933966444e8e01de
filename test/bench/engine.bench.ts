// `npm run bench -- engine`: allocate against the sort of the same priority keys at 10k, 100k and 1M lines,
// each size in a process of its own (its peak memory is its own). Goal: at most 2× the sort in CPU time (the
// wall clock is printed beside it: on a shared machine it also counts other processes), under 600 bytes a
// line above the input.
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
    type Times = { wall: number; cpu: number };
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { engine: Times; sort: Times; peakRss: number; engineBytesPerLine: number };
    const ratio = r.engine.cpu / r.sort.cpu;
    const at = `${lines.toLocaleString('en')} lines`;
    out[`${at}: engine ms wall / CPU (median of ${repeats}, ${warmUps} warm-up)`] = `${Math.round(r.engine.wall)} / ${Math.round(r.engine.cpu)}`;
    out[`${at}: sort ms wall / CPU`] = `${Math.round(r.sort.wall)} / ${Math.round(r.sort.cpu)}`;
    out[`${at}: ratio CPU (wall)`] = `${ratio.toFixed(2)} (${(r.engine.wall / r.sort.wall).toFixed(2)})`;
    out[`${at}: peak RSS MB`] = Math.round(r.peakRss / 1024 / 1024);
    out[`${at}: engine bytes/line above the input`] = Math.round(r.engineBytesPerLine);
    // Per line from 100k up: at 10k the runtime's own few tens of MB (compiled code, young generation) dominate.
    if (ratio > 2 || (lines >= 100_000 && r.engineBytesPerLine > 600)) out[`${at}: goal`] = 'MISSED (≤ 2× the sort in CPU time, < 600 bytes/line)';
  }
  return out;
}
