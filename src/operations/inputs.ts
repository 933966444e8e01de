// Inputs that exist only at the front ends (HTTP API and CLI), checked here before Temporal is touched: a
// trigger typed by a person, the filters of an incident list, and how a person names an incident.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TriggerSchema, type Trigger } from '../incident/commands';
import { incidentWorkflowId } from '../incident/state';
import { IncidentStageSchema, SeveritySchema } from '../incident/vocabulary';
import { invalidInput, validate } from './operation-error';

/** A person starting an incident by hand; the trigger id makes a retried request attach instead of repeating. */
export const ManualTriggerSchema = TriggerSchema.omit({ source: true }).extend({
  triggerId: TriggerSchema.shape.triggerId.optional(),
});
export type ManualTrigger = z.input<typeof ManualTriggerSchema>;

export function manualTrigger(input: ManualTrigger): Trigger {
  const parsed = validate(ManualTriggerSchema, input, 'trigger');
  return { ...parsed, source: 'manual', triggerId: parsed.triggerId ?? `manual:${randomUUID()}` };
}

// Values go into a visibility query: quotes and backslashes are refused rather than escaped.
const queryValue = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^'"\\]*$/, 'must not contain quotes or backslashes');

export const ListFilterSchema = z.object({
  stage: IncidentStageSchema.optional(),
  severity: SeveritySchema.optional(),
  sku: queryValue.optional(),
  network: queryValue.optional(),
  /** Running incidents only, or ended ones only (closed, false alarms, cancelled); absent: both. */
  status: z.enum(['running', 'ended']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ListFilter = z.input<typeof ListFilterSchema>;

/** Incidents are addressed by workflow id (`stockout:network:sku`) or the `network:sku` shorthand. */
export function resolveIncidentId(id: string): string {
  const value = id.trim();
  // The fixed prefix of every incident workflow id.
  if (value.startsWith(incidentWorkflowId('', '').slice(0, -1))) return value;
  const separator = value.indexOf(':');
  if (separator <= 0 || separator === value.length - 1) {
    throw invalidInput([{ path: 'id', message: 'expected an incident workflow id or network:sku' }]);
  }
  return incidentWorkflowId(value.slice(0, separator), value.slice(separator + 1));
}
