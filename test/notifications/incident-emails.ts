// Reading a whole incident's emails and its systems of record, for the notice tests on the time-skipping
// server: who received what, the figures the emails' tables show, and what the inventory system and the CRM hold.
import { CATALOGUES } from '../../src/notifications/reader';
import { SHORT_SKU, policyWith, type World } from '../incident/world';
import { noticeContact } from '../../src/notifications/notices';

export const NO_APPROVAL = policyWith({ approval: { severityThreshold: 'critical' } });
export const APPROVAL = policyWith({ approval: { severityThreshold: 'low', deadlineHours: 24, timeoutAction: 'escalate' } });

/** Customers with demand for the short SKU, as the reference service holds them. */
export const customersOfShortSku = (w: World) =>
  (w.service.db.prepare('SELECT DISTINCT customer_id AS id FROM demand_lines WHERE sku = ? ORDER BY customer_id').all(SHORT_SKU) as { id: string }[]).map(
    (row) => row.id,
  );

/** What a CRM user could have typed: the contract accepts any locale, zone, name length and valid-looking address. */
export const editCustomer = (w: World, customerId: string, column: 'locale' | 'time_zone' | 'name' | 'contacts', value: string) =>
  w.service.db.prepare(`UPDATE customers SET ${column} = ? WHERE customer_id = ?`).run(value, customerId);

/** What a CRM user could have typed for an account manager (the language and zone of the manager's digests). */
export const editManager = (w: World, accountManagerId: string, column: 'locale' | 'time_zone', value: string) =>
  w.service.db.prepare(`UPDATE account_managers SET ${column} = ? WHERE account_manager_id = ?`).run(value, accountManagerId);

/** Every customer of the short SKU and every account manager reads English, for tests that check the English wording of whole incidents. */
export const inEnglish = (w: World) => {
  for (const customerId of customersOfShortSku(w)) editCustomer(w, customerId, 'locale', 'en-GB');
  w.service.db.prepare("UPDATE account_managers SET locale = 'en-GB'").run();
};

/** Every email the sink kept, by its `X-Stockout-Notice` header (kind and revision): the sorted envelope recipients. */
export const recipientsByNotice = (w: World) => {
  const byNotice: Record<string, string[]> = {};
  for (const m of w.sink.messages()) {
    const notice = m.headers.find((h) => h.name.toLowerCase() === 'x-stockout-notice')!.value;
    (byNotice[notice] ??= []).push(...m.envelope.to);
  }
  for (const list of Object.values(byNotice)) list.sort();
  return byNotice;
};

/** The addresses an event for these customers must reach: each customer's contact for supply notices, and each account manager once. */
export const addressesOf = async (w: World, customerIds: string[]) => {
  const customers = await w.deps.crm.getCustomers(customerIds);
  const managers = await w.deps.crm.getAccountManagers([...new Set(customers.map((c) => c.accountManagerId))]);
  return [...customers.map((c) => noticeContact(c)!.email), ...managers.map((m) => m.email)].sort();
};

export const customersWith = async (w: World, incidentId: string, has: (b: { open: number; fulfilled: number }) => boolean) =>
  [...new Set((await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter(has).map((b) => b.customerId))].sort();

export const communications = async (w: World, incidentId: string) => (await w.deps.crm.listCommunications({ incidentId, limit: 1000 })).communications;

// A digest's subject begins the same in each language (`[Stockout `, `[Engpass `…): managers get digests in theirs.
const DIGEST_SUBJECTS = Object.values(CATALOGUES).map((c) => c.digest.subject.slice(0, c.digest.subject.indexOf('{{')));
export const isDigest = (m: { subject?: string | undefined }) => DIGEST_SUBJECTS.some((start) => m.subject?.startsWith(start) ?? false);
/** A digest's call-first heading, in any catalogue's words. */
export const hasCallFirst = (text: string) => Object.values(CATALOGUES).some((c) => text.includes(c.digest.callFirst));
export const emailsOf = (w: World, kind: string) =>
  w.sink.messages().filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith(`${kind};`)));

// Column titles of every catalogue, each read as its English title: customers get their emails in their language.
const ENGLISH_TITLE = new Map(
  Object.values(CATALOGUES).flatMap((c) => [
    ...Object.entries(c.notice.columns).map(([key, title]) => [title, CATALOGUES.en.notice.columns[key as keyof typeof c.notice.columns]] as const),
    ...Object.entries(c.digest.columns).map(([key, title]) => [title, CATALOGUES.en.digest.columns[key as keyof typeof c.digest.columns]] as const),
  ]),
);
const escape = (title: string) => title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const TITLES = [...ENGLISH_TITLE.keys()].sort((a, b) => b.length - a.length).map(escape).join('|');
const FIELD = new RegExp(`, (?=(?:${TITLES}): )`);
const FIRST_FIELD = new RegExp(`^  \\* (?:${TITLES}): `);

/** The rows of an email's plain-text table, each as its labelled fields under their English titles. */
export const tableRows = (text: string): Record<string, string>[] =>
  text
    .split(/\r?\n/)
    .filter((line) => FIRST_FIELD.test(line) && ['Order', 'Customer'].includes(ENGLISH_TITLE.get(line.slice(4, line.indexOf(': ')))!))
    .map((line) =>
      Object.fromEntries(
        line
          .slice(4)
          .split(FIELD)
          .map((field) => [ENGLISH_TITLE.get(field.slice(0, field.indexOf(': '))) ?? field.slice(0, field.indexOf(': ')), field.slice(field.indexOf(': ') + 2)]),
      ),
    );
export const units = (value: string | undefined) => Number((value ?? '').replace(/\D/g, ''));
export const customerOfRow = (row: Record<string, string>) => /\(([^()]+)\)$/.exec(row['Customer']!)![1]!;

/** Per line of the short SKU, as the inventory system's order book has it. */
export const orderBook = (w: World) =>
  new Map(
    (
      w.service.db
        .prepare('SELECT line_id, reserved_quantity AS reserved, shipped_quantity AS shipped, substituted_quantity AS covered, cancelled_quantity AS cancelled FROM demand_lines WHERE sku = ?')
        .all(SHORT_SKU) as { line_id: string; reserved: number; shipped: number; covered: number; cancelled: number }[]
    ).map((row) => [row.line_id, row]),
  );

/** Call-list entries of a digest, in order: the customer ids. */
export const callList = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((line) => / \([^,()]+, [^)]+\): /.test(line) && line.startsWith('  * '))
    .map((line) => /\(([^,()]+), [^)]+\): /.exec(line)![1]!);

export const digestRow = (text: string, customerId: string) =>
  text.split(/\r?\n/).find((line) => line.startsWith('  * Customer: ') && line.includes(`(${customerId}), `));
