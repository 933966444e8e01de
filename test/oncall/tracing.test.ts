// Tracing as a deployment turns it on: a whole incident on the time-skipping server with the product's worker
// and a traced client, its spans kept in memory, shows the trigger's span as the parent of the incident's
// workflow span, the activities' spans (both task queues) under it with the incident's id, and none of the data
// set's customer names or emails anywhere in a span. Off by default; on with OTEL_EXPORTER_OTLP_ENDPOINT,
// whose collector receives the spans over OTLP/HTTP. The workflows' interceptors change no command, so tracing
// can be switched under running incidents: the traced incident, which took a restock update, replays on the
// run's untraced bundle and with the traced worker's own workflow options, and so do the recorded histories,
// made untraced (which replay untraced in test/foundation/replay.test.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { generateDataset, PRESETS } from '../../src/dataset/generate';
import { MAIL_ACTIVITIES } from '../../src/notifications/fleet-mail-rate';
import { INCIDENT_ID_ATTRIBUTE, startTracing, tracingFromConfig } from '../../src/telemetry/tracing';
import { incidentWorkflowOptions } from '../../workers/incident-worker';
import { recordRestockUpdate, stateQuery } from '../../workflows/definitions';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { recordedHistory, recordedScenarios } from '../harness/replay';
import { manualTrigger, policyWith, SHORT_SKU, startIncident, waitForState } from '../incident/world';

const worlds = timeSkippingWorlds();

type History = temporal.api.history.v1.IHistory;

/** Why each history does not replay with these options: empty when all do. */
async function replayFailures(options: ReplayWorkerOptions, histories: { workflowId: string; history: History }[]): Promise<string[]> {
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  expect(replayed).toBe(histories.length);
  return failures;
}

/** The event types that follow each accepted update, up to its completion. */
function afterUpdateAccepted(history: History): string[][] {
  const types = (history.events ?? []).map((e) => String(temporal.api.enums.v1.EventType[e.eventType ?? 0]));
  return types.flatMap((type, i) => (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED' ? [types.slice(i + 1, types.indexOf('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED', i) + 1)] : []));
}

/** Everything a span says, as text: name, attributes, status message, events and their attributes. */
function spanText(span: ReadableSpan): string {
  const seen = new WeakSet<object>();
  return JSON.stringify({ name: span.name, attributes: span.attributes, status: span.status, events: span.events }, (_key, value: unknown) => {
    if (value && typeof value === 'object') {
      if (seen.has(value)) return undefined;
      seen.add(value);
    }
    return value;
  });
}

describe('tracing', () => {
  it('is off unless the deployment names an OTLP collector', () => {
    expect(tracingFromConfig(loadConfig({}), 'worker')).toBeUndefined();
  });

  it('sends spans to the collector at OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, named for the process', async () => {
    const received: { path: string | undefined; body: string }[] = [];
    const collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ path: request.url, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const tracing = tracingFromConfig(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/` }), 'worker');
      expect(tracing).toBeDefined();
      tracing!.tracer.startSpan('probe').end();
      // Batched: sent at the latest when tracing shuts down.
      await tracing!.shutdown();
      expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
      expect(received[0]!.body).toContain('"probe"');
      expect(received[0]!.body).toContain('stockout-worker');
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });

  it("traces an incident from the trigger's start through its workflow and activities, with ids and no customer data", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: 'stockout-test', spanProcessor: new SimpleSpanProcessor(exporter) });
    try {
      // The first customer address is busy once (451): its notice batch fails and is retried, so a failed
      // activity's span, with its error, is among those checked for customer data.
      let deferredAddress: string | undefined;
      const w = await worlds.open({
        tracing,
        deferRecipients: (rcpt) => {
          if (rcpt.startsWith('planners@') || (deferredAddress && rcpt !== deferredAddress)) return false;
          const first = deferredAddress === undefined;
          deferredAddress = rcpt;
          return first;
        },
      });
      const { incidentId, workflowId, history } = await w.worker.runUntil(async () => {
        const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith({ approval: { severityThreshold: 'critical' } }));
        const state = await waitForState(handle, 'following-up');
        await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-1', quantity: state.backorders!.openUnits }] });
        expect((await handle.result()).outcome).toBe('closed');
        return { incidentId: (await handle.query(stateQuery)).incidentId, workflowId: handle.workflowId, history: await handle.fetchHistory() };
      });
      const spans = exporter.getFinishedSpans();
      // Every span its own id: the workflows' come from a random stream that queries and validators, which replay
      // does not run, never draw from (with the SDK's workflow interceptors, a query's span was seen to repeat one).
      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
      expect(byId.size).toBe(spans.length);
      const parentOf = (span: ReadableSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
      const ancestors = (span: ReadableSpan): ReadableSpan[] => {
        const parent = parentOf(span);
        return parent ? [parent, ...ancestors(parent)] : [];
      };
      const only = (name: string) => {
        const named = spans.filter((s) => s.name === name && (s.attributes.temporalWorkflowId ?? s.attributes.workflowId) === workflowId);
        expect(named, name).toHaveLength(1);
        return named[0]!;
      };

      const start = only('SignalWithStartWorkflow:stockoutIncident');
      const run = only('RunWorkflow:stockoutIncident');
      expect(parentOf(run)).toBe(start);
      // The restock's update, likewise: the client's call is the parent of the workflow's handling.
      expect(parentOf(only('HandleUpdate:recordRestock'))).toBe(only('StartWorkflowUpdate:recordRestock'));
      // The state queries the test polled with, and the update's validator, made none.
      expect(spans.filter((s) => /^(HandleQuery|ValidateUpdate):/.test(s.name)).map((s) => s.name)).toEqual([]);

      const activities = spans.filter((s) => s.name.startsWith('RunActivity:') && s.attributes.temporalWorkflowId === workflowId);
      expect(activities.length).toBeGreaterThan(5);
      for (const span of activities) {
        expect(span.attributes[INCIDENT_ID_ATTRIBUTE], span.name).toBe(incidentId);
        // Each descends from the workflow's span through the span of its scheduling.
        expect(parentOf(span)?.name, span.name).toBe(span.name.replace('RunActivity:', 'StartActivity:'));
        expect(ancestors(span), span.name).toContain(run);
      }
      const failed = activities.filter((s) => s.status.code === SpanStatusCode.ERROR);
      expect(failed.map((s) => s.name)).toContain('RunActivity:deliverNoticeBatch');
      // From start to report, on both task queues' workers.
      const types = new Set(activities.map((s) => s.name.replace('RunActivity:', '')));
      for (const type of ['assessImpact', 'planAllocation', 'allocateRestock', 'buildReport']) expect(types).toContain(type);
      expect([...types].some((t) => (MAIL_ACTIVITIES as readonly string[]).includes(t))).toBe(true);

      const dataset = generateDataset({ ...PRESETS.demo, network: w.network });
      const secrets = [
        ...dataset.customers.flatMap((c) => [c.name, ...c.contacts.flatMap((contact) => [contact.name, contact.email])]),
        ...dataset.accountManagers.flatMap((m) => [m.name, m.email]),
      ].filter((value): value is string => typeof value === 'string' && value.length > 3);
      expect(secrets.length).toBeGreaterThan(50);
      // The incident did write to customers, so there was customer data to leak: the sink has their addresses.
      const recipients = w.sink.messages().flatMap((m) => m.envelope.to);
      expect(recipients.filter((to) => secrets.includes(to)).length).toBeGreaterThan(10);
      expect(secrets).toContain(deferredAddress);
      const text = spans.map(spanText).join('\n').toLowerCase();
      expect(secrets.filter((value) => text.includes(value.toLowerCase()))).toEqual([]);

      // The update completed before the workflow went on, as untraced (the SDK's interceptors put the timer's
      // cancel and the next activity first, and such a history does not replay without them).
      expect(afterUpdateAccepted(history)).toEqual([['EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED']]);
      // Tracing turned off again: the traced incident still replays on the untraced bundle.
      expect(await replayFailures({ workflowBundle: { codePath: inject('workflowBundlePath') } }, [{ workflowId, history }])).toEqual([]);
      // And with the traced worker's own workflow options: the traced incident, and every recorded history (made
      // without tracing, among them updates and a continue-as-new), as incidents running when tracing is turned on.
      // The harness's fixture workflow is not in the product's bundle.
      const recorded = recordedScenarios().filter((scenario) => !scenario.startsWith('harness-'));
      expect(afterUpdateAccepted(recordedHistory('incident-shortage-restock')).length).toBeGreaterThan(0);
      const histories = [{ workflowId, history }, ...recorded.map((scenario) => ({ workflowId: scenario, history: recordedHistory(scenario) }))];
      expect(await replayFailures(incidentWorkflowOptions(tracing), histories)).toEqual([]);
    } finally {
      await tracing.shutdown();
    }
  }, 180_000);
});
