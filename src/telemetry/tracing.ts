// OpenTelemetry tracing through the Temporal SDK's interceptors (@temporalio/interceptors-opentelemetry), off
// unless the deployment names an OTLP collector. A client's start, signal or update is the parent of the
// workflow's span for it, and the activities' spans are children of their scheduling in the workflow, each with
// the incident's id. The workflows' own spans are made by workflows/tracing-interceptors.ts, bundled only when
// tracing is on (workers/incident-worker.ts), and leave the sandbox through the sink made here. Spans hold ids,
// names of workflows, signals, updates and activities, search attributes and error messages, never arguments
// or results, so no customer data (checked by test/oncall/tracing.test.ts).
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientOptions } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, InjectedSinks, Next } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { AppConfig } from '../config/env';
import { incidentOf } from './activity-interceptor';

/** The incident an activity span works for (its input's `incidentId`, else the workflow id). */
export const INCIDENT_ID_ATTRIBUTE = 'stockout.incident.id';

export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  /** Where every span ends: the process's own and those the workflows send out through the exporter sink. */
  spanProcessor: SpanProcessor;
  /** Sends what is still buffered and unregisters the process-wide context and propagation. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing for this process. The SDK's interceptors read the active span and carry it in Temporal headers
 * through OpenTelemetry's process-wide context and propagator, so they are registered here (W3C trace context).
 */
export function startTracing(options: { serviceName: string; spanProcessor: SpanProcessor }): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [options.spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  return {
    tracer: provider.getTracer('stockout-orchestrator'),
    resource,
    spanProcessor: options.spanProcessor,
    async shutdown() {
      await provider.shutdown();
      for (const api of [trace, context, propagation]) api.disable();
    },
  };
}

/**
 * Tracing as the deployment sets it: spans batched to its OTLP/HTTP collector (headers from the standard
 * OTEL_EXPORTER_OTLP_HEADERS), or none without a collector.
 */
export function tracingFromConfig(
  config: Pick<AppConfig, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
  /** Which process this is, when OTEL_SERVICE_NAME does not say: stockout-worker, stockout-api, … */
  role: string,
): Tracing | undefined {
  // The standard's rule: the traces endpoint as given, or the general one with the signal's path appended.
  const url = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (config.OTEL_EXPORTER_OTLP_ENDPOINT && `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (!url) return undefined;
  return startTracing({ serviceName: config.OTEL_SERVICE_NAME ?? `stockout-${role}`, spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })) });
}

/** A client's interceptor: its starts, signals, updates and queries get spans, passed on to the workflow. */
export function tracedClientOptions(tracing: Tracing | undefined): Pick<ClientOptions, 'interceptors'> {
  return tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } } : {};
}

/** The SDK's activity span, with the incident's id on it. */
class IncidentActivityInterceptor extends OpenTelemetryActivityInboundInterceptor {
  override execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return super.execute(input, (inner) => {
      const incidentId = incidentOf(inner.args, this.ctx.info.workflowExecution?.workflowId);
      if (incidentId) trace.getActiveSpan()?.setAttribute(INCIDENT_ID_ATTRIBUTE, incidentId);
      return next(inner);
    });
  }
}

/** Activity spans (their log lines carry trace and span ids): for every worker. */
export function tracedActivities(tracing: Tracing): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new IncidentActivityInterceptor(ctx, { tracer: tracing.tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) });
}

/** The sink the workflows' spans leave the sandbox by, to the process's span processor. */
export function workflowSpanSinks(tracing: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
