// Every activity attempt in the worker's logs and metrics: the incident it works for on each of its log lines
// (its input's `incidentId`, or the workflow id), and failed attempts counted by activity and failure type.
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import type { ProductMetrics } from './metrics';

/** The incident an activity works for: its input's `incidentId`, else the workflow id. */
export function incidentOf(args: unknown[], workflowId: string | undefined): string | undefined {
  const first = args[0];
  if (first && typeof first === 'object' && 'incidentId' in first && typeof first.incidentId === 'string') return first.incidentId;
  return workflowId;
}

/** The failure's type as Temporal reports it (ApplicationFailure type, else the error's class); never its message. */
function failureType(error: unknown): string {
  if (error instanceof ApplicationFailure) return error.type ?? 'ApplicationFailure';
  return error instanceof Error ? error.name : 'unknown';
}

export function activityTelemetry(metrics: ProductMetrics) {
  return (ctx: Context): ActivityInterceptors => {
    let incidentId: string | undefined;
    return {
      inbound: {
        async execute(input, next) {
          incidentId = incidentOf(input.args, ctx.info.workflowExecution?.workflowId);
          try {
            return await next(input);
          } catch (error) {
            const type = failureType(error);
            metrics.activityFailures.inc({ activity: ctx.info.activityType, type });
            ctx.log.warn('activity attempt failed', { failureType: type, attempt: ctx.info.attempt });
            throw error;
          }
        },
      },
      outbound: {
        getLogAttributes: (input, next) => next({ ...input, ...(incidentId ? { incidentId } : {}), activity: ctx.info.activityType }),
      },
    };
  };
}
