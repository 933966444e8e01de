// The product's metrics in Prometheus format (prom-client), beside the Temporal SDK's own (its exporter on
// STOCKOUT_SDK_METRICS_PORT). What a process does itself is counted in it (emails, activity failures); what
// the fleet holds (incidents by stage and severity, parked ones, open backorder units) is read from Temporal at
// each scrape, so every process serves the same values: aggregate those with max, not sum.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface ProductMetrics {
  registry: Registry;
  /** Emails by notice kind (or escalation) and outcome: sent, rejected (refused or undeliverable), failed (retried). */
  emails: Counter<'kind' | 'outcome'>;
  /** Activity attempts that failed, by activity and failure type. */
  activityFailures: Counter<'activity' | 'type'>;
}

export function createProductMetrics(process: 'worker' | 'api'): ProductMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process });
  collectDefaultMetrics({ register: registry, prefix: 'stockout_process_' });
  return {
    registry,
    emails: new Counter({ name: 'stockout_emails_total', help: 'Emails by kind and outcome (sent, rejected, failed)', labelNames: ['kind', 'outcome'], registers: [registry] }),
    activityFailures: new Counter({
      name: 'stockout_activity_failures_total',
      help: 'Failed activity attempts by activity and failure type',
      labelNames: ['activity', 'type'],
      registers: [registry],
    }),
  };
}

/** What the fleet holds right now, as Temporal's visibility and the incidents themselves tell it. */
export interface FleetSnapshot {
  incidents: { stage: string; severity: string; count: number }[];
  needingAttention: number;
  backorderUnitsOpen: number;
}

/** Gauges read at each scrape; a failed read leaves them out of that scrape rather than reporting zeros. */
export function registerFleetGauges(metrics: ProductMetrics, read: () => Promise<FleetSnapshot>): void {
  let snapshot: Promise<FleetSnapshot | null> | null = null;
  // The three gauges of one scrape share one read.
  const current = () => {
    snapshot ??= read().then(
      (s) => s,
      () => null,
    );
    const pending = snapshot;
    void pending.finally(() => {
      if (snapshot === pending) snapshot = null;
    });
    return pending;
  };
  new Gauge({
    name: 'stockout_incidents',
    help: 'Running incidents by stage and severity',
    labelNames: ['stage', 'severity'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const { stage, severity, count } of (await current())?.incidents ?? []) this.set({ stage, severity }, count);
    },
  });
  // The fleet's single figures, one gauge each.
  const totals: [name: string, help: string, figure: (s: FleetSnapshot) => number][] = [
    ['stockout_incidents_needing_attention', 'Running incidents parked until a person resumes them', (s) => s.needingAttention],
    ['stockout_backorder_units_open', 'Backordered units not yet shipped, substituted or cancelled, over all running incidents', (s) => s.backorderUnitsOpen],
  ];
  for (const [name, help, figure] of totals) {
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      async collect() {
        const s = await current();
        if (s) this.set(figure(s));
      },
    });
  }
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** GET /metrics on its own port, apart from the API's, so scraping needs no token and reaches workers too. */
export async function serveMetrics(registry: Registry, options: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${options.host}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
