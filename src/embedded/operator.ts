// What the demo and the staged scenarios do as an operator would: call the product's API with the bearer
// token, wait on an incident while saying the stages it enters, and say its figures as `show` does.
import { money } from '../cli/format';
import { customersLine, demandLine, revenueAtRisk } from '../incident/figures';
import type { IncidentState } from '../incident/state';
import type { IncidentOperations } from '../operations/incident-operations';

/** The product's HTTP API as an operator script calls it, with the bearer token. */
export function operatorApi(apiUrl: string, apiToken: string) {
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? (JSON.parse(text) as unknown) : null;
  };
}

/**
 * A wait on the incident: polls it until `done`, saying each stage it enters (once over all waits); a parked
 * incident, or two minutes without `done`, ends the wait.
 */
export function incidentWaiter(operations: IncidentOperations, id: string, say: (line: string) => void) {
  let lastStage = '';
  return async (what: string, done: (s: IncidentState) => boolean): Promise<IncidentState> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const state = await operations.show(id);
      if (state.stage !== lastStage) say(`  stage: ${state.stage}${state.severity !== 'none' ? ` (severity ${state.severity})` : ''}`);
      lastStage = state.stage;
      if (done(state)) return state;
      if (state.stage === 'needs-attention') throw new Error(`incident needs attention: ${state.attention?.reason}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (stage ${state.stage})`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
}

/** The assessment's figures, as `show` states them. */
export function sayImpact(say: (line: string) => void, state: IncidentState): void {
  if (!state.impact) return;
  const risk = revenueAtRisk(state.impact, state.plan);
  say(`impact: ${state.impact.shortage} units short; demand ${demandLine(state.impact, state.plan)}`);
  say(`  customers: ${customersLine(state.impact, state.plan)}; revenue at risk ${money(risk.amount, risk.currency)} (${risk.basis})`);
}
