// What the workflow's activities need from a CRM. The HTTP client implements it against any service
// that speaks the contract in ./contract (the reference service does). It is also the mailer's
// communication log (src/notifications/communication-log.ts).
import type {
  AccountManager,
  Communication,
  CommunicationPage,
  Credit,
  Customer,
  GrantCreditRequest,
  ListCommunicationsQuery,
  RecordCommunicationRequest,
  ReportCustomerStockRequest,
  ReportedStock,
} from './contract';

/** Every write carries an idempotency key: the same key again returns the first result and changes nothing. */
export interface CrmSystem {
  /** At most 500 ids per call; an unknown id is refused (404) naming it. */
  getCustomers(customerIds: string[]): Promise<Customer[]>;
  getAccountManagers(accountManagerIds: string[]): Promise<AccountManager[]>;
  recordCommunication(request: RecordCommunicationRequest): Promise<Communication>;
  /** The latest record for a Message-ID, or null. */
  findCommunication(messageId: string): Promise<Communication | null>;
  listCommunications(query: ListCommunicationsQuery): Promise<CommunicationPage>;
  grantCredit(request: GrantCreditRequest): Promise<Credit>;
  listCredits(query: { incidentId: string }): Promise<Credit[]>;
  /** A customer says it still holds stock and can wait; replaces its earlier report for the SKU. */
  reportCustomerStock(request: ReportCustomerStockRequest): Promise<ReportedStock>;
}
