// `npm run bench`: prints the figures that tell the cost of each stage as the incident grows.
// Timings belong here, never in tests. `npm run bench -- incident` (or email, dataset, flaky, orders, recovery, scale) runs one benchmark.
import { benchDataset } from './dataset.bench';
import { benchDecisions } from './decisions.bench';
import { benchEmail } from './email.bench';
import { benchEngine } from './engine.bench';
import { benchFlaky } from './flaky.bench';
import { benchIncident, benchScale } from './incident.bench';
import { benchOrders } from './orders.bench';
import { benchPlan } from './plan.bench';
import { benchRecovery } from './recovery.bench';

const benches: Record<string, () => Promise<Record<string, number | string>>> = {
  dataset: () => benchDataset(),
  decisions: () => benchDecisions(),
  email: () => benchEmail(),
  engine: () => benchEngine(),
  flaky: () => benchFlaky(),
  incident: () => benchIncident(),
  orders: () => benchOrders(),
  plan: () => benchPlan(),
  recovery: () => benchRecovery(),
  scale: () => benchScale(),
};

const chosen = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue;
  console.log(`\n== ${name}`);
  const figures = await run();
  for (const [label, value] of Object.entries(figures)) console.log(`${label.padEnd(48)} ${value}`);
}
// A bench that broke a limit set process.exitCode; the servers' handles must not keep the process alive.
process.exit(process.exitCode ?? 0);
