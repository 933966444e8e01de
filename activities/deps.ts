// What activities are given: the systems they adapt. Tests pass real test services; the worker passes
// HTTP clients built from config.
import type { AnswerLinks } from '../src/answer-links';
import type { CrmSystem } from '../src/crm/system';
import type { IncidentStore } from '../src/incident-store/store';
import type { InventorySystem } from '../src/inventory/system';
import type { MailSender, Sender } from '../src/notifications/mailer';

export interface ActivityDeps {
  inventory: InventorySystem;
  crm: CrmSystem;
  store: IncidentStore;
  mail: { transport: MailSender; from: Sender; plannerEmail: string };
  answerLinks: AnswerLinks;
  /** ISO 4217 code the credits are granted in and the notices and report state prices in (STOCKOUT_CURRENCY). */
  currency: string;
}
