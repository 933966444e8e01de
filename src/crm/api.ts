// The CRM's HTTP API: one table of endpoints shared by the client, the reference service and the
// OpenAPI document.
import { z } from 'zod';
import { endpoints } from '../http/endpoint';
import * as c from './contract';

const CONFLICT = 'The idempotency key was used with a different body.';

export const crmApi = endpoints({
  getCustomers: {
    method: 'POST',
    path: '/customers/lookup',
    summary: 'Customers by id (≤ 500 per call)',
    body: c.GetCustomersRequestSchema,
    reply: z.array(c.CustomerSchema),
    errors: { 404: 'An id is not a customer; `error` names it.' },
  },
  getAccountManagers: {
    method: 'POST',
    path: '/account-managers/lookup',
    summary: 'Account managers by id (≤ 500 per call), with the accounts each owns',
    body: c.GetAccountManagersRequestSchema,
    reply: z.array(c.AccountManagerSchema),
    errors: { 404: 'An id is not an account manager; `error` names it.' },
  },
  recordCommunication: {
    method: 'POST',
    path: '/communications',
    summary: 'Log a communication and its delivery outcome',
    body: c.RecordCommunicationRequestSchema,
    reply: c.CommunicationSchema,
    errors: { 404: 'Unknown customer.', 409: CONFLICT },
  },
  recordCommunications: {
    method: 'POST',
    path: '/communications/batch',
    summary: 'Log communications and their outcomes (≤ 500 per call, one transaction): each item once per its key, as /communications would',
    body: c.RecordCommunicationsRequestSchema,
    reply: z.array(c.CommunicationSchema),
    errors: { 404: 'Unknown customer or account manager; `error` names the item, and nothing is logged.', 409: CONFLICT },
  },
  findCommunication: {
    method: 'GET',
    path: '/communications/by-message-id',
    summary: 'The latest communication logged for a Message-ID, or null',
    query: c.FindCommunicationQuerySchema,
    reply: c.CommunicationSchema.nullable(),
  },
  findCommunications: {
    method: 'POST',
    path: '/communications/by-message-id/lookup',
    summary: 'The latest communication logged for each Message-ID (≤ 500 per call), null for one never logged, in the order asked',
    body: c.FindCommunicationsRequestSchema,
    reply: z.array(c.CommunicationSchema.nullable()),
  },
  listCommunications: {
    method: 'GET',
    path: '/communications',
    summary: 'Communications of an incident, in the order logged',
    query: c.ListCommunicationsQuerySchema,
    reply: c.CommunicationPageSchema,
  },
  grantCredit: {
    method: 'POST',
    path: '/credits',
    summary: 'Grant a customer a credit for an incident',
    body: c.GrantCreditRequestSchema,
    reply: c.CreditSchema,
    errors: { 404: 'Unknown customer.', 409: CONFLICT },
  },
  grantCredits: {
    method: 'POST',
    path: '/credits/batch',
    summary: 'Grant credits for an incident (≤ 500 per call, one transaction): each item once per its key, as /credits would',
    body: c.GrantCreditsRequestSchema,
    reply: z.array(c.CreditSchema),
    errors: { 404: 'Unknown customer; `error` names the item, and nothing is granted.', 409: CONFLICT },
  },
  listCredits: { method: 'GET', path: '/credits', summary: 'Credits of an incident', query: c.ListCreditsQuerySchema, reply: z.array(c.CreditSchema) },
  reportCustomerStock: {
    method: 'POST',
    path: '/customer-stock',
    summary: 'A customer reports the stock it still holds and its daily usage',
    body: c.ReportCustomerStockRequestSchema,
    reply: c.ReportedStockSchema,
    errors: { 404: 'Unknown customer.', 409: CONFLICT },
  },
});
