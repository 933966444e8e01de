// The reference CRM over SQLite: customers with their reported stock, account managers and their
// accounts, the communications log and credits. Writes run once per idempotency key (./writes).
import type {
  AccountManager,
  Communication,
  CommunicationPage,
  Credit,
  Customer,
  GrantCreditRequest,
  GrantCreditsRequest,
  ListCommunicationsQuery,
  RecordCommunicationRequest,
  RecordCommunicationsRequest,
  ReportCustomerStockRequest,
  ReportedStock,
} from '../crm/contract';
import { keysetPage, keyset } from './cursor';
import { camelCased, nextId, sql, type Db } from './schema';
import { eachItem, notFound, once } from './writes';

interface CustomerRow {
  customer_id: string;
  name: string;
  stage: Customer['stage'];
  critical: number;
  accepts_substitutes: number;
  accepts_partial: number;
  contacts: string;
  locale: string | null;
  time_zone: string | null;
  account_manager_id: string;
  revenue_12m: number;
  margin_12m: number;
}
interface CommunicationRow {
  seq: number;
  communication_id: string;
  incident_id: string;
  recipient: string;
  customer_id: string | null;
  account_manager_id: string | null;
  kind: string;
  message_id: string;
  outcome: Communication['outcome'];
  detail: string | null;
  recorded_at: string;
}

interface CreditRow {
  credit_id: string;
  incident_id: string;
  customer_id: string;
  amount: number;
  currency: string;
  reason: string;
  granted_at: string;
}

export type CrmStore = ReturnType<typeof createCrmStore>;

export function createCrmStore(db: Db, now: () => Date = () => new Date()) {
  const transaction = <T>(fn: (at: string) => T): T => db.transaction(() => fn(now().toISOString())).immediate();
  const requireCustomer = (customerId: string) => {
    if (!sql(db, 'SELECT 1 FROM customers WHERE customer_id = ?').get(customerId)) throw notFound(`unknown customer "${customerId}"`);
  };
  /** Rows for every id, in the order asked; unknown ids are refused by name. */
  const byIds = <R>(table: string, column: string, ids: string[], what: string): R[] => {
    const unique = [...new Set(ids)];
    const rows = sql(db, `SELECT * FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?))`).all(JSON.stringify(unique)) as (R & Record<string, string>)[];
    const found = new Map(rows.map((r) => [r[column] as string, r as R]));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length > 0) throw notFound(`unknown ${what}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
    return unique.map((id) => found.get(id) as R);
  };

  /** One communication under its key, inside the caller's transaction. */
  const recordCommunication = (request: RecordCommunicationRequest, at: string): Communication =>
    once(db, 'recordCommunication', request, at, (write) => {
      if (request.customerId !== undefined) requireCustomer(request.customerId);
      if (request.accountManagerId !== undefined) byIds('account_managers', 'account_manager_id', [request.accountManagerId], 'account manager ids');
      const id = nextId(db, 'CM');
      sql(
        db,
        `INSERT INTO communications (communication_id, incident_id, recipient, customer_id, account_manager_id, kind, message_id, outcome, detail, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        request.incidentId,
        request.recipient,
        request.customerId ?? null,
        request.accountManagerId ?? null,
        request.kind,
        request.messageId,
        request.outcome,
        request.detail ?? null,
        write.now,
      );
      return toCommunication(sql(db, 'SELECT * FROM communications WHERE communication_id = ?').get(id) as CommunicationRow);
    });

  /** One credit under its key, inside the caller's transaction. */
  const grantCredit = (request: GrantCreditRequest, at: string): Credit =>
    once(db, 'grantCredit', request, at, (write) => {
      requireCustomer(request.customerId);
      const creditId = nextId(db, 'CR');
      sql(db, 'INSERT INTO credits (credit_id, incident_id, customer_id, amount, currency, reason, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        creditId,
        request.incidentId,
        request.customerId,
        request.amount,
        request.currency,
        request.reason,
        write.now,
      );
      const { idempotencyKey: _key, ...credit } = request;
      return { creditId, ...credit, grantedAt: write.now };
    });

  return {
    getCustomers(customerIds: string[]): Customer[] {
      const rows = byIds<CustomerRow>('customers', 'customer_id', customerIds, 'customer ids');
      const stock = new Map<string, ReportedStock[]>();
      const reported = sql(db, 'SELECT * FROM customer_stock WHERE customer_id IN (SELECT value FROM json_each(?)) ORDER BY customer_id, sku').all(
        JSON.stringify(rows.map((r) => r.customer_id)),
      ) as { customer_id: string; sku: string; quantity: number; daily_usage: number; reported_at: string }[];
      for (const r of reported) {
        const list = stock.get(r.customer_id) ?? [];
        list.push({ sku: r.sku, quantity: r.quantity, dailyUsage: r.daily_usage, reportedAt: r.reported_at });
        stock.set(r.customer_id, list);
      }
      return rows.map((r) => ({
        customerId: r.customer_id,
        name: r.name,
        stage: r.stage,
        critical: r.critical === 1,
        acceptsSubstitutes: r.accepts_substitutes === 1,
        acceptsPartial: r.accepts_partial === 1,
        contacts: JSON.parse(r.contacts) as Customer['contacts'],
        locale: r.locale,
        timeZone: r.time_zone,
        accountManagerId: r.account_manager_id,
        revenue12m: r.revenue_12m,
        margin12m: r.margin_12m,
        reportedStock: stock.get(r.customer_id) ?? [],
      }));
    },

    getAccountManagers(accountManagerIds: string[]): AccountManager[] {
      const rows = byIds<{ account_manager_id: string; name: string; email: string; phone: string | null; locale: string | null; time_zone: string | null }>(
        'account_managers',
        'account_manager_id',
        accountManagerIds,
        'account manager ids',
      );
      return rows.map((r) => ({
        accountManagerId: r.account_manager_id,
        name: r.name,
        email: r.email,
        ...(r.phone ? { phone: r.phone } : {}),
        ...(r.locale ? { locale: r.locale } : {}),
        ...(r.time_zone ? { timeZone: r.time_zone } : {}),
        accountIds: (sql(db, 'SELECT customer_id FROM customers WHERE account_manager_id = ? ORDER BY customer_id').all(r.account_manager_id) as { customer_id: string }[]).map(
          (c) => c.customer_id,
        ),
      }));
    },

    recordCommunication(request: RecordCommunicationRequest): Communication {
      return transaction((at) => recordCommunication(request, at));
    },

    /** Each item as `recordCommunication` (the same operation under its key, so either endpoint answers a key the other applied). */
    recordCommunications(request: RecordCommunicationsRequest): Communication[] {
      return transaction((at) => eachItem(request.items, (item) => recordCommunication(item, at)));
    },

    findCommunication(messageId: string): Communication | null {
      const row = sql(db, 'SELECT * FROM communications WHERE message_id = ? ORDER BY seq DESC LIMIT 1').get(messageId) as CommunicationRow | undefined;
      return row ? toCommunication(row) : null;
    },

    listCommunications(query: ListCommunicationsQuery): CommunicationPage {
      return keysetPage(db, INCIDENT_COMMUNICATIONS, query, { incidentId: query.incidentId });
    },

    grantCredit(request: GrantCreditRequest): Credit {
      return transaction((at) => grantCredit(request, at));
    },

    /** Each item as `grantCredit` (the same operation under its key, so either endpoint answers a key the other applied). */
    grantCredits(request: GrantCreditsRequest): Credit[] {
      return transaction((at) => eachItem(request.items, (item) => grantCredit(item, at)));
    },

    listCredits(query: { incidentId: string }): Credit[] {
      return (sql(db, 'SELECT * FROM credits WHERE incident_id = ? ORDER BY credit_id').all(query.incidentId) as CreditRow[]).map(camelCased);
    },

    reportCustomerStock(request: ReportCustomerStockRequest): ReportedStock {
      return transaction((at) =>
        once(db, 'reportCustomerStock', request, at, (write) => {
          requireCustomer(request.customerId);
          sql(
            db,
            `INSERT INTO customer_stock (customer_id, sku, quantity, daily_usage, reported_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (customer_id, sku) DO UPDATE SET quantity = excluded.quantity, daily_usage = excluded.daily_usage, reported_at = excluded.reported_at`,
          ).run(request.customerId, request.sku, request.quantity, request.dailyUsage, write.now);
          return { sku: request.sku, quantity: request.quantity, dailyUsage: request.dailyUsage, reportedAt: write.now };
        }),
      );
    },
  };
}

const INCIDENT_COMMUNICATIONS = keyset({ items: 'communications', key: 'seq', first: 0, map: toCommunication }, 'SELECT * FROM communications WHERE incident_id = @incidentId AND seq > @after ORDER BY seq LIMIT @limit');

/** Every column but the listing's order is a field of the contract's record. */
function toCommunication({ seq: _seq, ...row }: CommunicationRow): Communication {
  return camelCased(row);
}
