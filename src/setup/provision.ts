// `npm run setup`: makes sure the Temporal dev server (with --test-server, the time-skipping test server too;
// with --browser, Chromium for the browser tests; with --postgres, PostgreSQL for the store tests) is on this
// machine, building or installing each once if needed, and says what it used and how long it took. The main
// job needs only the dev server, so a first `npm start` builds nothing else.
import { provideChromium } from './chromium';
import { providePostgres } from './postgres-server';
import { provideDevServer, provideTestServer } from './temporal-servers';

const started = Date.now();
const log = (line: string) => console.log(`[provision] ${line}`);
try {
  await provideDevServer(log);
  if (process.argv.includes('--test-server')) await provideTestServer(log);
  log(`Temporal ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
