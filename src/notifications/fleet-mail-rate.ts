// The mail rate across a fleet of workers. SMTP_RATE_PER_SECOND is what the mail provider allows the whole
// deployment, so it is not enforced in each process (N workers would send N times it) but by the Temporal
// server: every activity that sends email runs on its own task queue, polled with
// `maxTaskQueueActivitiesPerSecond`, a limit the server applies to all pollers of that queue together.
//
// The server limits tasks, not emails, so each mail task sends at most MAIL_TASK_EMAILS emails and the task
// rate is the email rate divided by that. Small tasks keep the server's burst small (it may hand out one task
// per task-queue partition at once, i.e. a few tasks' worth of emails) at the cost of more activities in an
// incident's history (about six events per task: 5,000 customers make 250 tasks, 1,500 events). A batch size
// read from the rate would need the worker's configuration inside the deterministic workflow; a constant does not.
// Imported by workflow code: no Node built-ins here.

/** Emails one mail task sends at most: a notice batch, a digest batch, or one escalation. */
export const MAIL_TASK_EMAILS = 20;

/** The activities that send email; only they run on the mail task queue. */
export const MAIL_ACTIVITIES = ['deliverNoticeBatch', 'deliverDigests', 'escalate'] as const;

/** The mail task queue of an incident task queue: every worker of a deployment derives the same one. */
export function mailTaskQueue(incidentTaskQueue: string): string {
  return `${incidentTaskQueue}-mail`;
}

/** The server-side task rate that holds the fleet to `emailsPerSecond`. */
export function mailTasksPerSecond(emailsPerSecond: number): number {
  return emailsPerSecond / MAIL_TASK_EMAILS;
}
