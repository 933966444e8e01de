// `npm run provision`: makes sure both Temporal servers are on this machine, building them once if needed.
import { provideTemporalServers } from './temporal-servers';

const started = Date.now();
try {
  await provideTemporalServers((line) => console.log(`[provision] ${line}`));
  console.log(`[provision] Temporal servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`[provision] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
