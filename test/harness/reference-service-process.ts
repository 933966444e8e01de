// The reference service (inventory system and CRM) as a process of its own, for a bench that keeps it off its own
// thread (./bench-systems.ts, startBenchSystemsApart): generates the data set its argument describes (JSON
// GenerateOptions), prints the two URLs as one JSON line, and closes on SIGTERM.
import { generateDataset, type GenerateOptions } from '../../src/dataset/generate';
import { startReferenceService } from '../../src/reference-service/service';

const service = await startReferenceService({ dataset: generateDataset(JSON.parse(process.argv[2] ?? '{}') as GenerateOptions) });
console.log(JSON.stringify({ inventoryUrl: service.inventoryUrl, crmUrl: service.crmUrl }));
process.once('SIGTERM', () => {
  void service.close().then(() => process.exit(0));
});
