// Every activity the incident workflow calls, built from the systems they adapt (`createActivities(deps)`),
// so tests hand in real test services and the worker hands in HTTP clients.
import { createAssessmentActivities } from './assessment';
import type { ActivityDeps } from './deps';
import { createFollowUpActivities } from './follow-up';
import { createNotificationActivities } from './notifications';
import { createOrderChangeActivities } from './order-changes';
import { createPlanningActivities } from './planning';
import { createRationingActivities } from './rationing';
import { createReportActivities } from './report';
import { createSubstituteActivities } from './substitutes';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAssessmentActivities(deps),
    ...createPlanningActivities(deps),
    ...createNotificationActivities(deps),
    ...createFollowUpActivities(deps),
    ...createOrderChangeActivities(deps),
    ...createRationingActivities(deps),
    ...createReportActivities(deps),
    ...createSubstituteActivities(deps),
  };
}
