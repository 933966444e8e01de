// One size of the engine bench, in a process of its own so its peak memory is its own: generates the lines,
// times allocate and the sort of the same priority keys (each the median of its timed runs, after warm-up
// runs), prints one JSON line.
import { addDays, dayNumber } from '../../../src/allocation/dates';
import { allocate } from '../../../src/allocation/engine';
import { DEFAULT_POLICY } from '../../../src/allocation/policy';
import type { AllocationInput, CustomerProfile, DemandLine } from '../../../src/allocation/types';
import { random } from '../decisions/crises';

const AS_OF = '2024-05-06';
const STAGES = DEFAULT_POLICY.stages.map((s) => s.name);

function situation(lines: number, rnd: () => number): AllocationInput {
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const customers: CustomerProfile[] = Array.from({ length: Math.max(3, Math.floor(lines / 5)) }, (_, i) => ({
    customerId: `C${i}`,
    stage: STAGES[i % STAGES.length]!,
    critical: i % 97 === 0,
    acceptsSubstitutes: i % 5 !== 0,
    ...(i % 7 === 0 ? { reportedOnHand: { quantity: int(0, 600), dailyUsage: int(1, 20) } } : {}),
  }));
  const demand: DemandLine[] = Array.from({ length: lines }, (_, i) => {
    const quantity = int(1, 120);
    return {
      lineId: `L${i}`,
      orderId: `O${i}`,
      customerId: `C${int(0, customers.length - 1)}`,
      sku: 'SKU',
      quantity,
      confirmedQuantity: i % 5 === 0 ? int(0, quantity) : 0,
      requestedDate: addDays(AS_OF, int(0, 60)),
      orderDate: addDays(AS_OF, -int(0, 60)),
      unitPrice: int(100, 50_000) / 100,
      unitMargin: int(10, 10_000) / 100,
      packSize: [1, 1, 2, 5, 12][i % 5]!,
      partialAllowed: i % 8 !== 0,
      substitutesAllowed: i % 3 !== 0,
    };
  });
  const total = demand.reduce((a, l) => a + l.quantity, 0);
  return {
    sku: 'SKU',
    pool: Math.floor(total * 0.4),
    lines: demand,
    customers,
    substitutes: [{ sku: 'SUB', ratio: 1.5, priceDelta: 1, available: Math.floor(total * 0.1), packSize: 2 }],
    policy: DEFAULT_POLICY,
    asOf: AS_OF,
    nextInboundEta: addDays(AS_OF, 21),
  };
}

/** The reference: the engine's priority keys built for every line and sorted, nothing else. */
function sortByPriority(input: AllocationInput): number {
  const profiles = new Map(input.customers.map((c) => [c.customerId, c]));
  const stageClass = new Map(input.policy.stages.map((s) => [s.name, s.priorityClass]));
  const horizon = dayNumber(input.nextInboundEta ?? addDays(input.asOf, input.policy.urgencyWindowDays));
  const keyed = input.lines.map((line) => {
    const c = profiles.get(line.customerId)!;
    const requested = dayNumber(line.requestedDate);
    return {
      line,
      critical: c.critical ? 1 : 0,
      stageClass: stageClass.get(c.stage) ?? 0,
      urgentDay: requested <= horizon ? requested : Infinity,
      margin: line.unitMargin,
      price: line.unitPrice,
      orderDay: dayNumber(line.orderDate),
    };
  });
  const cmp = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
  keyed.sort(
    (a, b) =>
      b.critical - a.critical ||
      b.stageClass - a.stageClass ||
      cmp(a.urgentDay, b.urgentDay) ||
      cmp(b.margin, a.margin) ||
      cmp(b.price, a.price) ||
      cmp(a.orderDay, b.orderDay) ||
      (a.line.lineId < b.line.lineId ? -1 : a.line.lineId > b.line.lineId ? 1 : 0),
  );
  return keyed.length;
}

const lines = Number(process.argv[2]);
const repeats = Number(process.argv[3] ?? 1);
const warmUps = Number(process.argv[4] ?? 0);
const input = situation(lines, random(lines));
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssBefore = process.memoryUsage().rss;
/**
 * The medians of `repeats` timed runs, after `warmUps` untimed ones (the JIT's first compilations are not the
 * engine's cost): wall-clock and CPU time (this process's, all its threads) — on a shared machine the wall
 * clock also counts the time other processes held the cores.
 */
const median = (run: () => unknown) => {
  for (let i = 0; i < warmUps; i++) run();
  const [wall, cpu] = [[] as number[], [] as number[]];
  for (let i = 0; i < repeats; i++) {
    const [started, used] = [performance.now(), process.cpuUsage()];
    run();
    const { user, system } = process.cpuUsage(used);
    wall.push(performance.now() - started);
    cpu.push((user + system) / 1000);
  }
  const middle = (times: number[]) => times.sort((a, b) => a - b)[times.length >> 1]!;
  return { wall: middle(wall), cpu: middle(cpu) };
};
// One run of the engine first: the peak it reaches above the input is its own (the timed runs after it leave
// garbage of each other's behind).
allocate(input);
const peak = process.resourceUsage().maxRSS * 1024;
const engine = median(() => allocate(input));
const sort = median(() => sortByPriority(input));
console.log(JSON.stringify({ lines, engine, sort, peakRss: peak, inputRss: rssBefore, engineBytesPerLine: (peak - rssBefore) / lines }));
