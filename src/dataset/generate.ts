// Synthetic but realistic data for the inventory system and the CRM: one hub and its spokes, a catalogue
// with substitutes, customers over the relationship stages, account managers with many accounts, open
// demand and inbound purchase orders, and chosen SKUs short by a chosen amount. Pure and deterministic:
// the same options give the same data, byte for byte (seeded PRNG, dates relative to `asOf`). The `mixed`
// catalogue draws descriptions and substitutes at random (the tests' worlds are built on it); `families`
// takes products from src/dataset/catalogue, whose substitutes are the other members of their family.
import { z } from 'zod';
import { DEFAULT_STAGES, SUPPLY_NOTICE_ROLE, type AccountManager, type Customer, type DefaultStage } from '../crm/contract';
import {
  DateSchema,
  IdSchema,
  TimeZoneSchema,
  type DemandLine,
  type Item,
  type Location,
  type PurchaseOrder,
  type StockPosition,
  type Substitute,
} from '../inventory/contract';
import { PRODUCT_FAMILIES } from './catalogue';
import { createRandom, type Random } from './random';

export const DEFAULT_AS_OF = '2026-11-24';

const FAMILY_PRODUCTS = PRODUCT_FAMILIES.reduce((n, f) => n + f.products.length, 0);

export const GenerateOptionsSchema = z
  .object({
  seed: z.number().int(),
  /** "Today" of the data set: order, requested and ETA dates are relative to it. */
  asOf: DateSchema.default(DEFAULT_AS_OF),
  network: IdSchema.default('EU'),
  /** The network's time zone (every location's): where "today" of an ETA begins. */
  timeZone: TimeZoneSchema.default('Europe/Berlin'),
  spokes: z.number().int().min(1).max(99),
  skus: z.number().int().min(1).max(100_000),
  customers: z.number().int().min(1).max(1_000_000),
  accountManagers: z.number().int().min(1).max(10_000),
  demandLines: z.number().int().min(0).max(10_000_000),
  shortage: z.object({
    skus: z.array(IdSchema),
    /** Free stock across hub and spokes covers this share of the open (unreserved) demand. */
    coverPercent: z.number().min(0).max(100),
    /** Share of all demand lines that are for the short SKUs. */
    lineShare: z.number().min(0).max(1).default(0.3),
    /**
     * Free stock each substitute of a short SKU keeps at the hub, as a share of the short SKU's shortfall (in
     * substitute units); the rest of its free stock is at the spokes. Absent: the hub holds its usual share.
     */
    substituteHubPercent: z.number().min(0).max(100).optional(),
  }),
  /** `mixed`: random descriptions and substitutes; `families`: products of src/dataset/catalogue, substitutes within a family. */
  catalogue: z.enum(['mixed', 'families']).default('mixed'),
})
  .superRefine((o, ctx) => {
    if (o.catalogue !== 'families') return;
    if (o.skus > FAMILY_PRODUCTS) ctx.addIssue({ code: 'custom', path: ['skus'], message: `the families catalogue has ${FAMILY_PRODUCTS} products` });
    // Each short SKU is the first product of a family of its own, so its substitutes are not short too.
    if (o.shortage.skus.length > PRODUCT_FAMILIES.length) {
      ctx.addIssue({ code: 'custom', path: ['shortage', 'skus'], message: `the families catalogue has ${PRODUCT_FAMILIES.length} families, one per short SKU` });
    }
  });
export type GenerateOptions = z.input<typeof GenerateOptionsSchema>;

export interface Dataset {
  seed: number;
  asOf: string;
  network: string;
  shortage: { skus: string[]; coverPercent: number };
  locations: Location[];
  items: Item[];
  stock: StockPosition[];
  substitutes: Substitute[];
  purchaseOrders: PurchaseOrder[];
  /** Open lines; `reservedQuantity` > 0 means a confirmation made before any incident. */
  demandLines: DemandLine[];
  customers: Customer[];
  accountManagers: AccountManager[];
}

/** Generated customers have one of the default stages, whose profile shapes their orders. */
type GeneratedCustomer = Customer & { stage: DefaultStage };

export const PRESETS = {
  /** A few hundred lines, one short SKU: for a demo or a quick look. */
  demo: {
    seed: 7,
    spokes: 4,
    skus: 12,
    customers: 60,
    accountManagers: 6,
    demandLines: 300,
    shortage: { skus: ['SKU-DEMO-1'], coverPercent: 55, lineShare: 0.4 },
  },
  /** The main job's demo: products in families whose substitutes make sense, three short SKUs. */
  showcase: {
    seed: 7,
    spokes: 4,
    skus: 15,
    customers: 60,
    accountManagers: 6,
    demandLines: 450,
    // Substitutes at the hub cover a tenth of each shortfall: the plan ships them all and some lines that take
    // one still wait, so a later delivery of the substitute has backorders to offer it to.
    shortage: { skus: ['SKU-DEMO-1', 'SKU-DEMO-2', 'SKU-DEMO-3'], coverPercent: 55, lineShare: 0.5, substituteHubPercent: 10 },
    catalogue: 'families',
  },
  /** 100,000 demand lines, half of them for the short SKU: the scale test. */
  large: {
    seed: 42,
    spokes: 10,
    skus: 200,
    customers: 5000,
    accountManagers: 120,
    demandLines: 100_000,
    shortage: { skus: ['SKU-LARGE-1'], coverPercent: 60, lineShare: 0.5 },
  },
} satisfies Record<string, GenerateOptions>;
export type PresetName = keyof typeof PRESETS;

/** Options for a preset, or for a data set of `lines` demand lines scaled like `large`. */
export function presetOptions(size: PresetName | number): GenerateOptions {
  if (typeof size === 'string') return PRESETS[size];
  return {
    ...PRESETS.large,
    demandLines: size,
    customers: Math.max(10, Math.ceil(size / 20)),
    accountManagers: Math.max(2, Math.ceil(size / 800)),
    skus: Math.max(5, Math.min(200, Math.ceil(size / 500))),
  };
}

// Fewer customers at the higher stages; bigger ones order more, in bigger quantities, at bigger discounts.
const STAGE_PROFILE: Record<DefaultStage, { share: number; weight: number; revenue: number; discount: number; size: number }> = {
  exploratory: { share: 0.06, weight: 0.3, revenue: 0.2, discount: 0, size: 1 },
  basic: { share: 0.44, weight: 1, revenue: 1, discount: 0.02, size: 1 },
  cooperative: { share: 0.28, weight: 2, revenue: 3, discount: 0.05, size: 1.5 },
  interdependent: { share: 0.15, weight: 4, revenue: 8, discount: 0.08, size: 2 },
  integrated: { share: 0.07, weight: 7, revenue: 20, discount: 0.12, size: 3 },
};

/** One customer in 25 has critical (e.g. life-safety) supply. */
const CRITICAL_EVERY = 25;
const REGIONS = ['north', 'south', 'east', 'west', 'coast', 'mountains', 'lakes', 'valley', 'plains', 'islands'];
const PRODUCTS = ['nitrile gloves', 'hex bolts', 'cable ties', 'safety goggles', 'bearing', 'hydraulic hose', 'filter cartridge', 'sealant', 'fuse', 'valve', 'circuit breaker', 'pump seal'];
const GRADES = ['standard', 'premium', 'heavy-duty', 'compact', 'industrial'];
const FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Lars', 'Mila', 'Noah', 'Olga', 'Paul', 'Rosa', 'Sven', 'Tara', 'Umar'];
const LAST = ['Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hansen', 'Jansen', 'Kowalski', 'Laurent', 'Meyer', 'Novak', 'Olsen', 'Peeters', 'Rossi', 'Schmidt'];
const FIRMS = ['Alpine', 'Baltic', 'Central', 'Delta', 'Evergreen', 'Fjord', 'Granite', 'Harbor', 'Iberian', 'Juniper', 'Keystone', 'Lakeside', 'Meridian', 'Northwind', 'Orchard', 'Pioneer'];
const TRADES = ['Care Clinics', 'Hardware', 'Facilities', 'Builders', 'Labs', 'Logistics', 'Foods', 'Motors', 'Utilities', 'Hospitals'];
const LOCALES: [string, string][] = [
  ['en-GB', 'Europe/London'],
  ['de-DE', 'Europe/Berlin'],
  ['fr-FR', 'Europe/Paris'],
  ['nl-NL', 'Europe/Amsterdam'],
  ['es-ES', 'Europe/Madrid'],
  ['pl-PL', 'Europe/Warsaw'],
];

export function generateDataset(options: GenerateOptions): Dataset {
  const o = GenerateOptionsSchema.parse(options);
  const random = createRandom(o.seed);
  const locations = makeLocations(o.network, o.spokes, o.timeZone);
  const families = o.catalogue === 'families' ? familyCatalogue(o.skus, o.shortage.skus) : null;
  const items = families?.items ?? makeItems(random, o.skus, o.shortage.skus);
  const managers = makeManagers(random, o.accountManagers);
  const customers = makeCustomers(random, o.customers, managers);
  const shortSkus = new Set(o.shortage.skus);
  const demandLines = makeDemand(random, o, items, customers, locations);
  const made = makeStock(random, items, locations, demandLines, shortSkus, o.shortage.coverPercent);
  reportCustomerStock(random, customers, demandLines, shortSkus, o.asOf);
  const substitutes = families?.substitutes ?? makeSubstitutes(random, items, shortSkus);
  const { substituteHubPercent } = o.shortage;
  const stock = substituteHubPercent === undefined ? made : substitutesToSpokes(made, locations, substitutes, shortfalls(made, demandLines), substituteHubPercent);
  return {
    seed: o.seed,
    asOf: o.asOf,
    network: o.network,
    shortage: { skus: o.shortage.skus, coverPercent: o.shortage.coverPercent },
    locations,
    items,
    stock,
    substitutes,
    purchaseOrders: makePurchaseOrders(random, items, locations, stock, demandLines, shortSkus, o.asOf),
    demandLines,
    customers,
    accountManagers: managers.map((m) => ({ ...m, accountIds: customers.filter((c) => c.accountManagerId === m.accountManagerId).map((c) => c.customerId) })),
  };
}

/** Splits `total` units in proportion to `weights`, largest remainder first (ties by index). */
export function splitByWeights(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map(Math.floor);
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
  }
  return parts;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const cents = (x: number) => Math.round(x * 100) / 100;

function makeLocations(network: string, spokes: number, timeZone: string): Location[] {
  const hub: Location = { locationId: `${network}-HUB`, network, kind: 'hub', region: 'central', name: `${network} central hub`, timeZone };
  const spokeList = Array.from({ length: spokes }, (_, i): Location => {
    const region = REGIONS[i % REGIONS.length] as string;
    return { locationId: `${network}-S${pad(i + 1, 2)}`, network, kind: 'spoke', region, name: `${network} ${region} warehouse ${i + 1}`, timeZone };
  });
  return [hub, ...spokeList];
}

/** The short SKUs first, then `SKU-0001`… up to `count`. */
function skuIds(count: number, shortSkus: string[]): string[] {
  const skus = [...shortSkus];
  for (let n = 1; skus.length < Math.max(count, shortSkus.length); n++) {
    const sku = `SKU-${pad(n, 4)}`;
    if (!skus.includes(sku)) skus.push(sku);
  }
  return skus;
}

function makeItems(random: Random, count: number, shortSkus: string[]): Item[] {
  return skuIds(count, shortSkus).map((sku) => {
    const unitPrice = cents(2 * Math.exp(random.next() * Math.log(200)));
    return {
      sku,
      description: `${random.pick(PRODUCTS)}, ${random.pick(GRADES)}`,
      packSize: random.pick([1, 1, 1, 6, 10, 12, 24]),
      unitPrice,
      unitCost: cents(unitPrice * (0.55 + random.next() * 0.25)),
    };
  });
}

/** Where each family product sits in the catalogue: its family's index beside the product. */
const FAMILY_SLOTS = PRODUCT_FAMILIES.flatMap((f, family) => f.products.map((product, index) => ({ family, index, product })));

/**
 * Short SKU k takes the first product of family k; the other SKUs fill the remaining products family by
 * family, so the families in use are whole and each short SKU has its family's other members to stand in.
 * Every product of a family substitutes one for one for the others, at the catalogue's price difference.
 */
function familyCatalogue(count: number, shortSkus: string[]): { items: Item[]; substitutes: Substitute[] } {
  const slots = [
    ...shortSkus.map((_, k) => FAMILY_SLOTS.find((s) => s.family === k && s.index === 0)!),
    ...FAMILY_SLOTS.filter((s) => !(s.index === 0 && s.family < shortSkus.length)),
  ];
  const members = skuIds(count, shortSkus).map((sku, i) => {
    const { family, product } = slots[i]!;
    return { family, item: { sku, description: product.description, packSize: product.packSize, unitPrice: product.unitPrice, unitCost: cents(product.unitPrice * 0.65) } };
  });
  const substitutes = members.flatMap(({ family, item }) =>
    members
      .filter((other) => other.family === family && other.item.sku !== item.sku)
      .sort((a, b) => a.item.sku.localeCompare(b.item.sku))
      .map(({ item: other }) => ({ sku: item.sku, substituteSku: other.sku, ratio: 1, priceDelta: cents(other.unitPrice - item.unitPrice) })),
  );
  return { items: members.map((m) => m.item), substitutes };
}

function makeManagers(random: Random, count: number): Omit<AccountManager, 'accountIds'>[] {
  return Array.from({ length: count }, (_, i) => {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    const id = `AM-${pad(i + 1, 3)}`;
    // A region's locale and zone as the customers have them, in turn by index (no draw: the random stream is unchanged).
    const [locale, timeZone] = LOCALES[i % LOCALES.length]!;
    return {
      accountManagerId: id,
      name: `${first} ${last}`,
      email: `${first}.${last}.${id}@supplier.example`.toLowerCase(),
      phone: phoneNumber(locale, 100 + i),
      locale,
      timeZone,
    };
  });
}

const DIALLING_CODES: Record<string, string> = { GB: '+44 20 7946', DE: '+49 30 5550', FR: '+33 1 5550', NL: '+31 20 555', ES: '+34 91 555', PL: '+48 22 555' };

/** A made-up number in the country's fictional range, derived from the index (no draw: the random stream is unchanged). */
function phoneNumber(locale: string, index: number): string {
  const country = locale.slice(-2);
  return `${DIALLING_CODES[country] ?? '+44 20 7946'} ${String(index % 10_000).padStart(4, '0')}`;
}

/** Stages by quota (largest remainder), so every stage appears once there are enough customers. */
function stageQuota(random: Random, count: number): DefaultStage[] {
  const quotas = splitByWeights(count, DEFAULT_STAGES.map((s) => STAGE_PROFILE[s].share));
  if (count >= DEFAULT_STAGES.length) {
    for (let i = 0; i < quotas.length; i++) {
      if (quotas[i] !== 0) continue;
      const largest = quotas.indexOf(Math.max(...quotas));
      quotas[largest] = (quotas[largest] as number) - 1;
      quotas[i] = 1;
    }
  }
  return random.shuffle(DEFAULT_STAGES.flatMap((stage, i) => Array.from({ length: quotas[i] ?? 0 }, () => stage)));
}

function makeCustomers(random: Random, count: number, managers: { accountManagerId: string }[]): GeneratedCustomer[] {
  const stages = stageQuota(random, count);
  const managerOrder = random.shuffle(managers.map((m) => m.accountManagerId));
  return stages.map((stage, i) => {
    const id = `CUST-${pad(i + 1, 6)}`;
    const [locale, timeZone] = random.pick(LOCALES);
    const revenue12m = Math.round(10_000 * STAGE_PROFILE[stage].revenue * (0.5 + random.next()));
    const count = random.int(1, 2);
    const contacts = Array.from({ length: count }, (_, k) => {
      const first = random.pick(FIRST);
      const last = random.pick(LAST);
      // With two contacts, purchasing is listed first and the second receives the supply notices.
      const roles = count === 1 ? ['purchasing', SUPPLY_NOTICE_ROLE] : k === 0 ? ['purchasing'] : [SUPPLY_NOTICE_ROLE];
      return { name: `${first} ${last}`, email: `${first}.${last}${k === 0 ? '' : k}@${id}.example`.toLowerCase(), phone: phoneNumber(locale, (i + 1) * 10 + k), roles };
    });
    return {
      customerId: id,
      name: `${random.pick(FIRMS)} ${random.pick(TRADES)} ${i + 1}`,
      stage,
      critical: (i + 1) % CRITICAL_EVERY === 0,
      acceptsSubstitutes: random.chance(0.65),
      acceptsPartial: random.chance(0.8),
      contacts,
      locale,
      timeZone,
      accountManagerId: managerOrder[i % managerOrder.length] as string,
      revenue12m,
      margin12m: Math.round(revenue12m * (0.12 + random.next() * 0.18)),
      reportedStock: [],
    };
  });
}

/** Cumulative weights for picking customers in proportion to their size (binary search). */
function weightedPicker(random: Random, weights: number[]) {
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  return () => {
    const x = random.next() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

function makeDemand(
  random: Random,
  o: z.output<typeof GenerateOptionsSchema>,
  items: Item[],
  customers: GeneratedCustomer[],
  locations: Location[],
): DemandLine[] {
  const short = items.filter((i) => o.shortage.skus.includes(i.sku));
  const others = items.filter((i) => !o.shortage.skus.includes(i.sku));
  const pickCustomer = weightedPicker(random, customers.map((c) => STAGE_PROFILE[c.stage].weight * (0.5 + random.next())));
  // Each customer is served from one home location; a fifth from the hub.
  const home = customers.map(() => (random.chance(0.2) ? locations[0] : random.pick(locations.slice(1))) as Location);
  const lines: DemandLine[] = [];
  let orders = 0;
  while (lines.length < o.demandLines) {
    const ci = pickCustomer();
    const customer = customers[ci]!;
    const profile = STAGE_PROFILE[customer.stage];
    const orderId = `SO-${pad(++orders, 7)}`;
    const orderDate = addDays(o.asOf, -random.int(0, 30));
    const size = Math.min(random.int(1, 3), o.demandLines - lines.length);
    for (let k = 0; k < size; k++) {
      const useShort = short.length > 0 && (others.length === 0 || random.chance(o.shortage.lineShare));
      const item = random.pick(useShort ? short : others);
      const packs = Math.max(1, Math.round((1 + Math.floor(random.next() ** 2 * 20)) * profile.size));
      const quantity = packs * item.packSize;
      const unitPrice = cents(item.unitPrice * (1 - profile.discount));
      lines.push({
        lineId: `L-${pad(lines.length + 1, 8)}`,
        orderId,
        customerId: customer.customerId,
        sku: item.sku,
        locationId: (home[ci] as Location).locationId,
        quantity,
        reservedQuantity: random.chance(0.15) ? random.int(1, packs) * item.packSize : 0,
        requestedDate: addDays(orderDate, random.int(2, 35)),
        orderDate,
        unitPrice,
        unitMargin: cents(unitPrice - item.unitCost),
        packSize: item.packSize,
        partialAllowed: customer.acceptsPartial && random.chance(0.92),
        substitutesAllowed: customer.acceptsSubstitutes && random.chance(0.85),
      });
    }
  }
  return lines;
}

/**
 * On hand = confirmed (reserved) + safety stock + free, per location. Free stock of a short SKU across
 * the network is exactly `coverPercent` of its unreserved demand; other SKUs have 1.3–2.5× theirs.
 * A hub holds 40% of the free stock, the spokes the rest, so pooling has something to move.
 */
function makeStock(random: Random, items: Item[], locations: Location[], lines: DemandLine[], shortSkus: Set<string>, coverPercent: number): StockPosition[] {
  const reserved = new Map<string, number>();
  const open = new Map<string, number>();
  for (const l of lines) {
    const key = `${l.sku}|${l.locationId}`;
    reserved.set(key, (reserved.get(key) ?? 0) + l.reservedQuantity);
    open.set(key, (open.get(key) ?? 0) + l.quantity - l.reservedQuantity);
  }
  const stock: StockPosition[] = [];
  for (const item of items) {
    const demand = locations.map((loc) => open.get(`${item.sku}|${loc.locationId}`) ?? 0);
    const total = demand.reduce((s, d) => s + d, 0);
    const free = shortSkus.has(item.sku)
      ? Math.floor((total * coverPercent) / 100)
      : Math.ceil(total * (1.3 + random.next() * 1.2)) + 50 * item.packSize;
    const weights = locations.map((loc, i) => (i === 0 ? 0.4 : (0.6 / (locations.length - 1)) * (0.5 + random.next())));
    const shares = splitByWeights(free, weights);
    locations.forEach((loc, i) => {
      const r = reserved.get(`${item.sku}|${loc.locationId}`) ?? 0;
      const safetyStock = Math.round((demand[i] ?? 0) * 0.05);
      stock.push({ locationId: loc.locationId, sku: item.sku, onHand: r + safetyStock + (shares[i] ?? 0), reserved: r, safetyStock, inTransit: 0 });
    });
  }
  return stock;
}

/** What a stock position holds free: neither reserved nor safety stock. */
const freeAt = (p: StockPosition) => p.onHand - p.reserved - p.safetyStock;

/** Per SKU, its open (unreserved) demand beyond its free stock across the network; none when covered. */
function shortfalls(stock: StockPosition[], lines: DemandLine[]): Map<string, number> {
  const gap = new Map<string, number>();
  for (const l of lines) gap.set(l.sku, (gap.get(l.sku) ?? 0) + l.quantity - l.reservedQuantity);
  for (const s of stock) gap.set(s.sku, (gap.get(s.sku) ?? 0) - freeAt(s));
  return new Map([...gap].map(([sku, units]) => [sku, Math.max(0, units)]));
}

/**
 * Moves free stock of the short SKUs' substitutes from the hub to the spokes (in proportion to what each spoke
 * has free), until each keeps at the hub no more than `percent` of its short SKU's shortfall, the least of them
 * when it stands in for several. Incidents take substitutes at the hub only, so these cover just part of what
 * stays uncovered. Each SKU's stock across the network is unchanged, and so is its purchasing.
 */
function substitutesToSpokes(
  stock: StockPosition[],
  locations: Location[],
  substitutes: Substitute[],
  gaps: Map<string, number>,
  percent: number,
): StockPosition[] {
  const hubId = (locations[0] as Location).locationId;
  const keep = new Map<string, number>();
  for (const s of substitutes) {
    const gap = gaps.get(s.sku) ?? 0;
    if (gap === 0) continue;
    const units = Math.floor((gap * s.ratio * percent) / 100);
    keep.set(s.substituteSku, Math.min(units, keep.get(s.substituteSku) ?? units));
  }
  const out = stock.map((p) => ({ ...p }));
  for (const [sku, units] of keep) {
    const hub = out.find((p) => p.sku === sku && p.locationId === hubId);
    const spokes = out.filter((p) => p.sku === sku && p.locationId !== hubId);
    const moved = hub ? Math.max(0, freeAt(hub) - units) : 0;
    if (!hub || moved === 0 || spokes.length === 0) continue;
    hub.onHand -= moved;
    const shares = splitByWeights(moved, spokes.map(freeAt));
    spokes.forEach((p, i) => (p.onHand += shares[i] ?? 0));
  }
  return out;
}

/** Short SKUs get at least one substitute; others have one or two half the time. */
function makeSubstitutes(random: Random, items: Item[], shortSkus: Set<string>): Substitute[] {
  const candidates = items.filter((i) => !shortSkus.has(i.sku));
  const out: Substitute[] = [];
  for (const item of items) {
    if (!shortSkus.has(item.sku) && !random.chance(0.5)) continue;
    const pool = random.shuffle(candidates.filter((c) => c.sku !== item.sku)).slice(0, random.int(1, 2));
    for (const sub of pool.sort((a, b) => a.sku.localeCompare(b.sku))) {
      out.push({ sku: item.sku, substituteSku: sub.sku, ratio: random.pick([1, 1, 1, 2, 0.5]), priceDelta: cents(item.unitPrice * (random.next() * 0.2 - 0.05)) });
    }
  }
  return out;
}

/** Inbound to the hub: a short SKU's first ETA is two weeks out, bringing more than the shortfall. */
function makePurchaseOrders(
  random: Random,
  items: Item[],
  locations: Location[],
  stock: StockPosition[],
  lines: DemandLine[],
  shortSkus: Set<string>,
  asOf: string,
): PurchaseOrder[] {
  const hubId = (locations[0] as Location).locationId;
  const gaps = shortfalls(stock, lines);
  const orders: PurchaseOrder[] = [];
  for (const item of items) {
    const short = shortSkus.has(item.sku);
    const gap = gaps.get(item.sku) ?? 0;
    const count = short ? 2 : random.int(1, 2);
    for (let k = 0; k < count; k++) {
      const base = short ? Math.ceil((gap * (k === 0 ? 1.2 : 0.8)) / item.packSize) : random.int(20, 200);
      orders.push({
        poId: `PO-${pad(orders.length + 1, 6)}`,
        sku: item.sku,
        locationId: hubId,
        quantity: Math.max(1, base) * item.packSize,
        receivedQuantity: 0,
        eta: addDays(asOf, short ? 14 + k * 14 : random.int(5, 40)),
        status: 'open',
      });
    }
  }
  return orders;
}

/** About one in eight customers with demand for a short SKU says it still holds some. */
function reportCustomerStock(random: Random, customers: Customer[], lines: DemandLine[], shortSkus: Set<string>, asOf: string) {
  const byId = new Map(customers.map((c) => [c.customerId, c]));
  const seen = new Set<string>();
  for (const l of lines) {
    const key = `${l.customerId}|${l.sku}`;
    if (!shortSkus.has(l.sku) || seen.has(key)) continue;
    seen.add(key);
    if (!random.chance(0.125)) continue;
    const dailyUsage = random.int(1, 20);
    (byId.get(l.customerId) as Customer).reportedStock.push({
      sku: l.sku,
      quantity: dailyUsage * random.int(3, 30),
      dailyUsage,
      reportedAt: `${addDays(asOf, -random.int(0, 5))}T08:00:00.000Z`,
    });
  }
}
