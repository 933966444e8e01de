// Runs the reference inventory system and CRM on their own:
//   tsx src/reference-service/main.ts --db .data/reference.db --seed --size showcase
// Options: --port (inventory, default 7301), --crm-port (default 7302), --host, --db <file>,
// --seed (load a generated data set unless the database holds it), --size demo|showcase|large|<lines>,
// --dataset-seed <n>, --error-rate, --latency-ms, --hang-rate (fault injection).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { generateDataset, presetOptions, PRESETS } from '../dataset/generate';
import { describeIssues, issuesOf } from '../validation/issues';
import { startReferenceService } from './service';

const Port = z.coerce.number().int().min(0).max(65535);
const Rate = z.coerce.number().min(0).max(1);

const ArgsSchema = z.object({
  port: Port.default(7301),
  'crm-port': Port.default(7302),
  host: z.string().min(1).default('127.0.0.1'),
  db: z.string().min(1).default(':memory:'),
  seed: z.boolean().default(false),
  size: z
    .string()
    .regex(/^(demo|showcase|large|[1-9]\d{0,6})$/, 'must be demo, showcase, large or a number of demand lines (up to 9,999,999)')
    .default('demo')
    .transform((size) => (size in PRESETS ? (size as keyof typeof PRESETS) : Number(size))),
  'dataset-seed': z.coerce.number().int().optional(),
  'error-rate': Rate.default(0),
  'latency-ms': z.coerce.number().int().min(0).max(60_000).default(0),
  'hang-rate': Rate.default(0),
});

export async function main(argv: string[] = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'crm-port': { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      seed: { type: 'boolean' },
      size: { type: 'string' },
      'dataset-seed': { type: 'string' },
      'error-rate': { type: 'string' },
      'latency-ms': { type: 'string' },
      'hang-rate': { type: 'string' },
    },
    strict: true,
  });
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) throw new Error(`Invalid options: ${describeIssues(issuesOf(parsed.error, 'options', (name) => `--${name}`))}`);
  const args = parsed.data;
  const options = presetOptions(args.size);
  const dataset = args.seed ? generateDataset(args['dataset-seed'] === undefined ? options : { ...options, seed: args['dataset-seed'] }) : undefined;
  const service = await startReferenceService({
    dbFile: args.db,
    port: args.port,
    crmPort: args['crm-port'],
    host: args.host,
    logger: true,
    ...(dataset ? { dataset } : {}),
    faults: { errorRate: args['error-rate'], latencyMs: args['latency-ms'], hangRate: args['hang-rate'] },
  });
  console.log(`inventory: ${service.inventoryUrl}  (OpenAPI at ${service.inventoryUrl}/openapi.json)`);
  console.log(`crm:       ${service.crmUrl}  (OpenAPI at ${service.crmUrl}/openapi.json)`);
  const stop = () => void service.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
