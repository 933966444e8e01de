// The worker that runs incidents and the threshold scan: the workflow bundle plus activities built from the
// systems it is given, and the starter the scan opens incidents with. It is two Temporal Workers that run and
// stop together: one on the incident task queue (workflows, and every activity, for incidents that predate the
// mail queue) and one on the mail task queue, whose server-side rate limit holds the fleet to the mail rate.
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type State, type WorkerInterceptors, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createScanActivities, type IncidentStarter } from '../activities/scan';
import { MAIL_ACTIVITIES, mailTaskQueue, mailTasksPerSecond } from '../src/notifications/fleet-mail-rate';
import { activityTelemetry } from '../src/telemetry/activity-interceptor';
import type { ProductMetrics } from '../src/telemetry/metrics';
import { tracedActivities, workflowSpanSinks, type Tracing } from '../src/telemetry/tracing';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The workflows' span interceptors, bundled only when tracing is on. */
export const TRACING_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../workflows/tracing-interceptors.ts', import.meta.url))];

/** What of a worker's options says which workflow code it runs (the activity interceptors are added beside it). */
type IncidentWorkflowOptions = Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle' | 'sinks'> & { interceptors?: Pick<WorkerInterceptors, 'workflowModules'> };

/**
 * The workflow code a worker runs: the prebuilt `bundle` (./workflow-bundle.ts, built with the same tracing),
 * or the workflows the worker bundles itself. With tracing, the sink the workflows' spans leave by, and when the
 * worker bundles, their span interceptors (a traced prebuilt bundle holds them). They change no command
 * (workflows/tracing-interceptors.ts), so a history made with tracing on replays with it off and the other way
 * round; a replay checks a history against exactly these options.
 */
export function incidentWorkflowOptions(tracing: Tracing | undefined, bundle?: { codePath: string }): IncidentWorkflowOptions {
  const sinks = tracing ? { sinks: workflowSpanSinks(tracing) } : {};
  if (bundle) return { workflowBundle: bundle, ...sinks };
  return { workflowsPath: WORKFLOWS_PATH, ...sinks, ...(tracing ? { interceptors: { workflowModules: TRACING_INTERCEPTOR_MODULES } } : {}) };
}

type Activities = Record<string, (...args: never[]) => Promise<unknown>>;

/**
 * Heartbeats go to the server at most a second after an activity makes them. The SDK would otherwise hold them
 * back for 0.8 × the heartbeat timeout (8 s of a batch's 10 s: workflows/incident/proxies.ts), leaving 2 s
 * between the last heartbeat the server saw and a timeout; at one a second a batch can miss nine.
 */
export const HEARTBEAT_THROTTLE = { maxHeartbeatThrottleInterval: '1s' } satisfies Partial<WorkerOptions>;

/** The activities that send email, picked from all of them: what the mail queue's worker registers. */
export function mailActivities<A extends object>(activities: A): Partial<A> {
  return Object.fromEntries(Object.entries(activities).filter(([name]) => (MAIL_ACTIVITIES as readonly string[]).includes(name))) as Partial<A>;
}

/**
 * The mail queue's worker options. Every worker polling it must give the same rate: the server applies the one
 * it was told last to all of them together.
 */
export function mailWorkerOptions(incidentTaskQueue: string, emailsPerSecond: number): Pick<WorkerOptions, 'taskQueue' | 'maxTaskQueueActivitiesPerSecond'> {
  return { taskQueue: mailTaskQueue(incidentTaskQueue), maxTaskQueueActivitiesPerSecond: mailTasksPerSecond(emailsPerSecond) };
}

/** Two Workers as one: they run together, and when one stops (or fails) the other is shut down too. */
export class WorkerPair {
  constructor(
    readonly incidents: Worker,
    readonly mail: Worker,
  ) {}

  getState(): State {
    return this.incidents.getState();
  }

  shutdown(): void {
    for (const worker of [this.incidents, this.mail]) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  async run(): Promise<void> {
    const runs = [this.incidents, this.mail].map((worker) =>
      worker.run().finally(() => {
        this.shutdown();
      }),
    );
    const [incidents, mail] = await Promise.allSettled(runs);
    for (const outcome of [incidents, mail]) if (outcome?.status === 'rejected') throw outcome.reason;
  }

  /** Like `Worker.runUntil`: runs both until the promise (or function) settles, then shuts them down. */
  async runUntil<R>(until: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    try {
      return await (typeof until === 'function' ? until() : until);
    } finally {
      this.shutdown();
      await running;
    }
  }
}

export async function createIncidentWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  incidents: IncidentStarter;
  /** SMTP_RATE_PER_SECOND: what the whole fleet may send. */
  mailRatePerSecond: number;
  /** Activity attempts counted and logged with their incident (src/telemetry). */
  metrics?: ProductMetrics;
  /** Payload encryption, the same as the clients' (src/temporal/payload-codec.ts). */
  dataConverter?: DataConverter;
  /** OpenTelemetry spans for workflows and activities (src/telemetry/tracing.ts); none without. */
  tracing?: Tracing;
  /**
   * The workflows bundled once (./workflow-bundle.ts), with the same tracing: a restarted worker polls without
   * bundling again. Without it the worker bundles them itself.
   */
  workflowBundle?: { codePath: string };
}): Promise<WorkerPair> {
  const activities: Activities = {
    ...createActivities(options.deps),
    ...createScanActivities({ inventory: options.deps.inventory, incidents: options.incidents }),
  };
  // The span first, so the attempt's log lines and failure counts happen inside it.
  const activityInterceptors = [
    ...(options.tracing ? [tracedActivities(options.tracing)] : []),
    ...(options.metrics ? [activityTelemetry(options.metrics)] : []),
  ];
  const common = {
    connection: options.connection,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    namespace: options.namespace,
    ...HEARTBEAT_THROTTLE,
    interceptors: { activity: activityInterceptors },
    // Ctrl-C / SIGTERM: stop polling, let running activities finish, then exit; incidents continue on the next start.
    shutdownGraceTime: '30s',
  } satisfies Partial<WorkerOptions>;
  const workflows = incidentWorkflowOptions(options.tracing, options.workflowBundle);
  const incidents = await Worker.create({
    ...common,
    ...workflows,
    interceptors: { ...common.interceptors, ...workflows.interceptors },
    taskQueue: options.taskQueue,
    activities,
  });
  const mail = await Worker.create({ ...common, ...mailWorkerOptions(options.taskQueue, options.mailRatePerSecond), activities: mailActivities(activities) });
  return new WorkerPair(incidents, mail);
}
