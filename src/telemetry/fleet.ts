// The fleet's incidents as the metrics show them: running incidents from Temporal's visibility (stage and
// severity are search attributes), open backorder units from each following-up or parked incident's state query.
import type { Client } from '@temporalio/client';
import { stateQuery } from '../../workflows/definitions';
import { INCIDENT_WORKFLOW_TYPE } from '../operations/incident-operations';
import { SEVERITY, STAGE } from '../temporal/search-attributes';
import type { FleetSnapshot } from './metrics';

/** Stages in which an incident may hold open backorders worth a query. */
const WITH_BACKORDERS = new Set(['committing', 'notifying', 'following-up', 'needs-attention', 'closing']);
/** Queries in flight at once per scrape. */
const QUERY_CONCURRENCY = 8;

export async function readFleet(client: Client): Promise<FleetSnapshot> {
  const counts = new Map<string, { stage: string; severity: string; count: number }>();
  const withBackorders: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'` })) {
    const stage = execution.typedSearchAttributes.get(STAGE) ?? 'unknown';
    const severity = execution.typedSearchAttributes.get(SEVERITY) ?? 'unknown';
    const key = `${stage}|${severity}`;
    const entry = counts.get(key) ?? { stage, severity, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
    if (WITH_BACKORDERS.has(stage)) withBackorders.push(execution.workflowId);
  }
  let backorderUnitsOpen = 0;
  for (let i = 0; i < withBackorders.length; i += QUERY_CONCURRENCY) {
    const states = await Promise.all(
      withBackorders.slice(i, i + QUERY_CONCURRENCY).map((id) =>
        client.workflow
          .getHandle(id)
          .query(stateQuery)
          .catch(() => null),
      ),
    );
    for (const state of states) backorderUnitsOpen += state?.backorders?.openUnits ?? 0;
  }
  const incidents = [...counts.values()];
  return { incidents, needingAttention: incidents.filter((i) => i.stage === 'needs-attention').reduce((n, i) => n + i.count, 0), backorderUnitsOpen };
}
