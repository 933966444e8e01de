// What the workflow's activities need from a CRM. The HTTP client implements it against any service
// that speaks the contract in ./contract (the reference service does). It is also the mailer's
// communication log (src/notifications/communication-log.ts).
import type * as Crm from './contract';

/** Every write carries an idempotency key: the same key again returns the first result and changes nothing. */
export interface CrmSystem {
  /** At most 500 ids per call; an unknown id is refused (404) naming it. */
  getCustomers(customerIds: string[]): Promise<Crm.Customer[]>;
  getAccountManagers(accountManagerIds: string[]): Promise<Crm.AccountManager[]>;
  recordCommunication(request: Crm.RecordCommunicationRequest): Promise<Crm.Communication>;
  /** At most 500 in one transaction, each as `recordCommunication` would log it under its key; an unknown customer or account manager refuses the batch, naming the item. */
  recordCommunications(request: Crm.RecordCommunicationsRequest): Promise<Crm.Communication[]>;
  /** The latest record for a Message-ID, or null. */
  findCommunication(messageId: string): Promise<Crm.Communication | null>;
  /** The latest record for each Message-ID (at most 500), null for one never logged, in the order asked. */
  findCommunications(messageIds: string[]): Promise<(Crm.Communication | null)[]>;
  listCommunications(query: Crm.ListCommunicationsQuery): Promise<Crm.CommunicationPage>;
  grantCredit(request: Crm.GrantCreditRequest): Promise<Crm.Credit>;
  /** At most 500 credits per call, in one transaction, each as `grantCredit` would grant it under its key; an unknown customer refuses the batch, naming the item. */
  grantCredits(request: Crm.GrantCreditsRequest): Promise<Crm.Credit[]>;
  listCredits(query: { incidentId: string }): Promise<Crm.Credit[]>;
  /** A customer says it still holds stock and can wait; replaces its earlier report for the SKU. */
  reportCustomerStock(request: Crm.ReportCustomerStockRequest): Promise<Crm.ReportedStock>;
}
