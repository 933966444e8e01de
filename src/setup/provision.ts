// `npm run provision`: makes sure both Temporal servers (with --browser, Chromium for the browser tests; with
// --postgres, PostgreSQL for the store tests) are on this machine, building or installing them once if needed,
// and says what it used and how long it took.
import { provideChromium } from './chromium';
import { providePostgres } from './postgres-server';
import { provideTemporalServers } from './temporal-servers';

const started = Date.now();
const log = (line: string) => console.log(`[provision] ${line}`);
try {
  await provideTemporalServers(log);
  log(`Temporal servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (process.argv.includes('--browser')) {
    const browser = provideChromium(log);
    log(`Chromium: ${browser.path} (${browser.source}, ${browser.seconds.toFixed(1)} s)`);
  }
  if (process.argv.includes('--postgres')) {
    const postgres = providePostgres(log);
    log(`PostgreSQL: ${postgres.binDir} (${postgres.source}, ${postgres.seconds.toFixed(1)} s)`);
  }
} catch (error) {
  console.error(`[provision] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
