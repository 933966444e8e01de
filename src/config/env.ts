// Application settings from the environment, validated once with defaults for the embedded setup
// (reference inventory/CRM service, SMTP sink and Temporal dev server on this machine). The Temporal
// connection itself is read by the SDK's envconfig (src/temporal/connection.ts). Secrets come only from here.
import { z } from 'zod';
import { CreditSchema } from '../crm/contract';
import type { RetryPolicy } from '../http/client';
import { describeIssues, issuesOf } from '../validation/issues';
import { SmtpConfigSchema, type SmtpConfig } from '../notifications/mailer';

export const DEFAULT_QUIET_HOURS = 24;

const EnvSchema = z.object({
  STOCKOUT_TASK_QUEUE: z.string().min(1).default('stockout-incidents'),
  /** Where the embedded incident store and the embedded services keep their files. */
  STOCKOUT_DATA_DIR: z.string().min(1).default('.data'),
  /** The incident store on PostgreSQL, shared by every worker, the API and the CLI; unset, a SQLite file in STOCKOUT_DATA_DIR. */
  STOCKOUT_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  INVENTORY_URL: z.url().default('http://127.0.0.1:7301'),
  CRM_URL: z.url().default('http://127.0.0.1:7302'),
  /**
   * Per request to the inventory system or CRM: one without a reply by then is abandoned and sent again. The
   * slowest normal requests (a write of 500 items, a page of 1,000 lines) take about half a second on a busy
   * machine, so 1.5 s (three times that) abandons only a hung one; a stall of the worker's own event loop does
   * not count against it (src/http/client.ts). Hangs set the pace against a flaky system: on the flaky bench a
   * quiet machine took 3.5× the healthy run at 2 s, 2.5× at 1.5 s.
   */
  SYSTEMS_TIMEOUT_MS: z.coerce.number().int().positive().max(30_000).default(1_500),
  /**
   * Requests per call, the first included, when the reply may differ later (5xx, 408, 429, timeout, no connection).
   * With 22 % of requests failing (20 % errors, 2 % hangs), five in a row fail about once in 2,000 calls (once an
   * incident, each costing an activity retry); eight, once in 180,000.
   */
  SYSTEMS_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(8),
  /**
   * The wait before the first resend; each later one doubles (with jitter), so a 503 that passes at once costs
   * 50 ms and eight attempts wait under 7 s in all. A Retry-After the server sends is honoured.
   */
  SYSTEMS_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(50),
  /**
   * A call stops resending when the next wait would end past this: with one last request of SYSTEMS_TIMEOUT_MS
   * it stays inside the 2-minute timeout of the shortest activities (workflows/incident/proxies.ts), whose own
   * retry then takes over.
   */
  SYSTEMS_RETRY_BUDGET_MS: z.coerce.number().int().min(0).max(80_000).default(60_000),
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
  SMTP_SECURE: z.stringbool().default(false),
  SMTP_REQUIRE_TLS: z.stringbool().default(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASS: z.string().min(1).optional(),
  SMTP_RATE_PER_SECOND: z.coerce.number().positive().default(50),
  MAIL_FROM: z.email().default('stockout-desk@example.com'),
  MAIL_FROM_NAME: z.string().max(100).default('Supply Desk'),
  /** Who hears about escalations (approval deadline passed with `escalate`, SLA breached, must-win lines short at commit). */
  PLANNER_EMAIL: z.email().default('planners@example.com'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(7300),
  /** Bearer token for operator endpoints. */
  API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Signs customer answer links; links stop working when it changes. */
  ANSWER_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ANSWER_LINK_TTL_DAYS: z.coerce.number().int().positive().max(90).default(14),
  /** Base of the customer answer links in emails. */
  PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:7300'),
  /** The Temporal Web UI allowed to call the API's codec endpoints from the browser (CORS); kept as its origin. */
  TEMPORAL_UI_ORIGIN: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('http://127.0.0.1:8233')
    .transform((url) => new URL(url).origin),
  STOCKOUT_POLICY_FILE: z.string().min(1).optional(),
  /** The currency credits are granted in and notices and reports state prices in: an ISO 4217 code the CRM accepts. */
  STOCKOUT_CURRENCY: CreditSchema.shape.currency.default('EUR'),
  /** The main job's embedded Temporal dev server (gRPC) and its Web UI. */
  STOCKOUT_DEV_SERVER_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  STOCKOUT_DEV_SERVER_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  /** Where the worker and the API serve the product's metrics (GET /metrics); unset, none are served, 0 picks a free port. */
  STOCKOUT_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  STOCKOUT_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Where a worker's Temporal SDK serves its own Prometheus metrics (on STOCKOUT_METRICS_HOST); unset, not at all. */
  STOCKOUT_SDK_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /**
   * OpenTelemetry's standard settings: with either endpoint set, the worker, the API and the CLI send traces to
   * that OTLP/HTTP collector (src/telemetry/tracing.ts); the general one gets `/v1/traces` appended. Unset, no tracing.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** The traces' service name; unset, stockout-worker, stockout-api, stockout-cli or stockout-main (npm start). */
  OTEL_SERVICE_NAME: z.string().min(1).max(200).optional(),
  /** The worker's JSON log lines at this level and above. */
  STOCKOUT_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Networks the threshold scan watches, comma-separated; empty turns the scan off. */
  STOCKOUT_SCAN_NETWORKS: z
    .string()
    .default('EU')
    .transform((list) => list.split(',').map((n) => n.trim()).filter(Boolean))
    .pipe(z.array(z.string().max(200).regex(/^[\w.-]+$/, 'network ids are letters, digits, dot, dash, underscore'))),
  STOCKOUT_SCAN_EVERY_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** A SKU with fewer projected days of cover than this gets an incident. */
  STOCKOUT_SCAN_CRITICAL_DAYS: z.coerce.number().positive().max(365).default(14),
  /**
   * After a planner cancels an incident (or it was a false alarm), scans leave the SKU alone this long; after a
   * false alarm, so do webhooks that report no materially lower stock (src/incident/reopen.ts).
   */
  STOCKOUT_SCAN_QUIET_HOURS: z.coerce.number().min(0).max(24 * 90).default(DEFAULT_QUIET_HOURS),
  /** The console's people: a JSON file of names, roles and password hashes (src/auth/users.ts); no console without it. */
  STOCKOUT_USERS_FILE: z.string().min(1).optional(),
  /** A console session ends this long after signing in. */
  STOCKOUT_SESSION_HOURS: z.coerce.number().positive().max(24 * 7).default(8),
});

export type AppConfig = z.infer<typeof EnvSchema> & { smtp: SmtpConfig };

/** How the HTTP clients of the inventory system and CRM resend a call (src/http/client.ts). */
export function systemsRetryPolicy(config: Pick<AppConfig, 'SYSTEMS_RETRY_ATTEMPTS' | 'SYSTEMS_RETRY_BASE_DELAY_MS' | 'SYSTEMS_RETRY_BUDGET_MS'>): RetryPolicy {
  return { attempts: config.SYSTEMS_RETRY_ATTEMPTS, baseDelayMs: config.SYSTEMS_RETRY_BASE_DELAY_MS, budgetMs: config.SYSTEMS_RETRY_BUDGET_MS };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration: ${describeIssues(issuesOf(parsed.error, 'env'))}`);
  const c = parsed.data;
  const smtp = SmtpConfigSchema.safeParse({
    host: c.SMTP_HOST,
    port: c.SMTP_PORT,
    secure: c.SMTP_SECURE,
    requireTls: c.SMTP_REQUIRE_TLS,
    user: c.SMTP_USER,
    pass: c.SMTP_PASS,
    from: c.MAIL_FROM,
    fromName: c.MAIL_FROM_NAME,
    rateLimitPerSecond: c.SMTP_RATE_PER_SECOND,
  });
  if (!smtp.success) throw new Error(`Invalid configuration: ${describeIssues(issuesOf(smtp.error, 'env.SMTP'))}`);
  return { ...c, smtp: smtp.data };
}
