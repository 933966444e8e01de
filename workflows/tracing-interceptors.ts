// The workflows' side of tracing, bundled only when tracing is on (src/telemetry/tracing.ts): a span for the run,
// each signal and update it handles and each activity it schedules, whose context goes to the activity in the
// trace header. Built from the pieces of @temporalio/interceptors-opentelemetry (header format, span names, the
// sink the spans leave by) but not its interceptors: those await inside an update's handling, so the update's
// completion comes after the timer its handler's condition cancels ([TMPRL1100] "Update machine does not handle
// this event: TimerCanceled" when such a history replays without them), and they draw span ids from the
// workflow's Math.random, in queries and update validators too, which replay does not run. Here every method
// returns the very promise `next` gave, the span ending beside it, so a traced run makes the same commands in
// the same order as an untraced one: tracing can be switched on or off under running incidents. Span ids come
// from a random stream of their own; queries and validators make no spans.
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime';
import * as otel from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { extractContextFromHeaders, headersWithContext, UPDATE_ID_ATTR_KEY } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager';
import { SPAN_DELIMITER, SpanName } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter';
import {
  ContinueAsNew,
  getRandomStream,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type GetLogAttributesInput,
  type Next,
  type SignalInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** Hex digits from the tracing's own deterministic stream: the workflow's Math.random sequence stays as untraced. */
function randomHex(bytes: number): string {
  return Array.from(getRandomStream('opentelemetry-span-ids').fill(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

const ids: IdGenerator = { generateTraceId: () => randomHex(16), generateSpanId: () => randomHex(8) };

let contextManager: ContextManager | undefined;
let tracer: otel.Tracer | undefined;

function getTracer(): otel.Tracer {
  if (!tracer) {
    contextManager = new ContextManager();
    const provider = new BasicTracerProvider({ idGenerator: ids, spanProcessors: [new SimpleSpanProcessor(new SpanExporter())] });
    provider.register({ contextManager });
    tracer = provider.getTracer('stockout-orchestrator-workflow');
  }
  return tracer;
}

function endSpan(span: otel.Span, error?: unknown, acceptable?: (error: unknown) => boolean): void {
  if (error === undefined || acceptable?.(error)) span.setStatus({ code: otel.SpanStatusCode.OK });
  else {
    // As the SDK's spans: a benign failure is not an error.
    const benign = error instanceof ApplicationFailure && error.category === ApplicationFailureCategory.BENIGN;
    span.setStatus({ code: benign ? otel.SpanStatusCode.UNSET : otel.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.recordException(error instanceof Error ? error : String(error));
  }
  span.end();
}

/** Runs `fn` in a new span, a child of `parent` or of the active span, and returns `fn`'s own promise: no yield added. */
function traced<T>(name: string, parent: otel.Context | undefined, fn: (span: otel.Span) => Promise<T>, acceptable?: (error: unknown) => boolean): Promise<T> {
  const outer = parent ?? otel.context.active();
  const span = getTracer().startSpan(name, undefined, outer);
  let result: Promise<T>;
  try {
    result = otel.context.with(otel.trace.setSpan(outer, span), () => fn(span));
  } catch (error) {
    endSpan(span, error, acceptable);
    throw error;
  }
  result.then(
    () => endSpan(span),
    (error: unknown) => endSpan(span, error, acceptable),
  );
  return result;
}

const isContinueAsNew = (error: unknown) => error instanceof ContinueAsNew;

class TracingInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const name = `${SpanName.WORKFLOW_EXECUTE}${SPAN_DELIMITER}${workflowInfo().workflowType}`;
    return traced(name, extractContextFromHeaders(input.headers), () => next(input), isContinueAsNew);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return traced(`${SpanName.WORKFLOW_HANDLE_SIGNAL}${SPAN_DELIMITER}${input.signalName}`, extractContextFromHeaders(input.headers), () => next(input));
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return traced(`${SpanName.WORKFLOW_HANDLE_UPDATE}${SPAN_DELIMITER}${input.name}`, extractContextFromHeaders(input.headers), (span) => {
      span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
      return next(input);
    });
  }
}

class TracingOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return traced(`${SpanName.ACTIVITY_START}${SPAN_DELIMITER}${input.activityType}`, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }));
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    const name = `${SpanName.CONTINUE_AS_NEW}${SPAN_DELIMITER}${input.options.workflowType}`;
    return traced(name, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }), isContinueAsNew);
  }

  /** The workflow's log lines carry the active span's ids, as the activities' do. */
  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    const span = otel.trace.getSpan(otel.context.active())?.spanContext();
    if (!span || !otel.isSpanContextValid(span)) return next(input);
    return next({ trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}`, ...input });
  }
}

export const interceptors = (): WorkflowInterceptors => {
  // Registers the propagator too, before the first trace header is read.
  getTracer();
  return {
    inbound: [new TracingInbound()],
    outbound: [new TracingOutbound()],
    internals: [
      {
        dispose(input, next) {
          contextManager?.disable();
          next(input);
        },
      },
    ],
  };
};
