// The data set generator: reproducible for a seed, short exactly as asked, shaped like real demand, and
// loadable into the reference service with books that balance.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AccountManagerSchema, CustomerSchema, DEFAULT_STAGES } from '../../src/crm/contract';
import { PRODUCT_FAMILIES } from '../../src/dataset/catalogue';
import { generateDataset, presetOptions, PRESETS, splitByWeights, type Dataset } from '../../src/dataset/generate';
import { loadDataset } from '../../src/reference-service/seed';
import { DemandLineSchema, ItemSchema, LocationSchema, PurchaseOrderSchema, StockPositionSchema, SubstituteSchema } from '../../src/inventory/contract';
import { checkBooks } from '../../src/reference-service/books';
import { createInventoryStore } from '../../src/reference-service/inventory-store';
import { openDatabase } from '../../src/reference-service/schema';

const demo = generateDataset(PRESETS.demo);
const SHORT = 'SKU-DEMO-1';

/** Free stock (on hand − reserved − safety) across the network, and open unreserved demand, per SKU. */
function cover(dataset: Dataset, sku: string) {
  const free = dataset.stock.filter((s) => s.sku === sku).reduce((sum, s) => sum + s.onHand - s.reserved - s.safetyStock, 0);
  const demand = dataset.demandLines.filter((l) => l.sku === sku).reduce((sum, l) => sum + l.quantity - l.reservedQuantity, 0);
  return { free, demand };
}

describe('reproducibility', () => {
  it('gives identical data for the same seed and different data for another', () => {
    expect(JSON.stringify(generateDataset(PRESETS.demo))).toBe(JSON.stringify(demo));
    const other = generateDataset({ ...PRESETS.demo, seed: 8 });
    expect(other.demandLines.map((l) => l.quantity)).not.toEqual(demo.demandLines.map((l) => l.quantity));
  });

  it('refuses bad options by field', () => {
    expect(() => generateDataset({ ...PRESETS.demo, shortage: { skus: ['X'], coverPercent: 120 } })).toThrow(/shortage.*coverPercent|coverPercent/);
  });
});

describe('shape', () => {
  it('matches the inventory and CRM contracts', () => {
    z.array(LocationSchema).parse(demo.locations);
    z.array(ItemSchema).parse(demo.items);
    z.array(StockPositionSchema).parse(demo.stock);
    z.array(SubstituteSchema).parse(demo.substitutes);
    z.array(PurchaseOrderSchema).parse(demo.purchaseOrders);
    z.array(DemandLineSchema).parse(demo.demandLines);
    z.array(CustomerSchema).parse(demo.customers);
    z.array(AccountManagerSchema).parse(demo.accountManagers);
  });

  it('has one hub and the asked spokes', () => {
    expect(demo.locations.filter((l) => l.kind === 'hub')).toHaveLength(1);
    expect(demo.locations.filter((l) => l.kind === 'spoke')).toHaveLength(PRESETS.demo.spokes);
  });

  it('makes the chosen SKU short by exactly the asked cover, and the others not short', () => {
    const { free, demand } = cover(demo, SHORT);
    expect(free).toBe(Math.floor((demand * PRESETS.demo.shortage.coverPercent) / 100));
    for (const item of demo.items.filter((i) => i.sku !== SHORT)) {
      const c = cover(demo, item.sku);
      expect(c.free, item.sku).toBeGreaterThan(c.demand);
    }
    // Spokes hold free stock worth pooling, and the short SKU has a substitute and inbound stock.
    const spokeFree = demo.stock.filter((s) => s.sku === SHORT && s.locationId !== 'EU-HUB').reduce((sum, s) => sum + s.onHand - s.reserved - s.safetyStock, 0);
    expect(spokeFree).toBeGreaterThan(0);
    expect(demo.substitutes.some((s) => s.sku === SHORT)).toBe(true);
    expect(demo.purchaseOrders.filter((p) => p.sku === SHORT).map((p) => p.eta)).toEqual(['2026-12-08', '2026-12-22']);
  });

  it('spreads customers over the five stages, fewer at the higher ones, with the flags a policy needs', () => {
    const count = (stage: string) => demo.customers.filter((c) => c.stage === stage).length;
    for (const stage of DEFAULT_STAGES) expect(count(stage), stage).toBeGreaterThan(0);
    expect(count('basic')).toBeGreaterThan(count('cooperative'));
    expect(count('cooperative')).toBeGreaterThan(count('interdependent'));
    expect(count('interdependent')).toBeGreaterThan(count('integrated'));
    expect(demo.customers.some((c) => c.critical)).toBe(true);
    expect(demo.customers.some((c) => c.acceptsSubstitutes)).toBe(true);
    expect(demo.customers.some((c) => !c.acceptsSubstitutes)).toBe(true);
    expect(demo.customers.some((c) => c.reportedStock.some((r) => r.sku === SHORT))).toBe(true);
  });

  it('gives every account manager many accounts and every customer a manager', () => {
    const managers = new Map(demo.accountManagers.map((m) => [m.accountManagerId, m]));
    for (const m of demo.accountManagers) expect(m.accountIds.length).toBeGreaterThan(2);
    for (const c of demo.customers) expect(managers.get(c.accountManagerId)?.accountIds).toContain(c.customerId);
  });

  it("gives every account manager a region's locale and zone, as customers of that region have them", () => {
    const regions = new Set(demo.customers.map((c) => `${c.locale} ${c.timeZone}`));
    const ofManagers = demo.accountManagers.map((m) => `${m.locale} ${m.timeZone}`);
    for (const [i, region] of ofManagers.entries()) expect(regions, demo.accountManagers[i]!.accountManagerId).toContain(region);
    // Six managers over six regions: one digest language and zone each, not all of them English and UTC.
    expect(new Set(ofManagers).size).toBe(PRESETS.demo.accountManagers);
    expect(ofManagers).toContain('de-DE Europe/Berlin');
  });

  it("gives account managers and contacts a phone number in their region's dialling code", () => {
    const dialling = (locale: string | null | undefined) => ({ GB: '+44', DE: '+49', FR: '+33', NL: '+31', ES: '+34', PL: '+48' })[String(locale).slice(-2)];
    for (const m of demo.accountManagers) expect(m.phone?.split(' ')[0], m.accountManagerId).toBe(dialling(m.locale));
    for (const c of demo.customers) for (const contact of c.contacts) expect(contact.phone?.split(' ')[0], c.customerId).toBe(dialling(c.locale));
  });

  it('makes demand lines like real ones', () => {
    const lines = demo.demandLines;
    expect(lines).toHaveLength(PRESETS.demo.demandLines);
    expect(lines.map((l) => l.lineId)).toEqual([...new Set(lines.map((l) => l.lineId))].sort());
    for (const l of lines) {
      expect(l.requestedDate > l.orderDate, l.lineId).toBe(true);
      expect(l.orderDate <= demo.asOf, l.lineId).toBe(true);
      expect(l.quantity % l.packSize, l.lineId).toBe(0);
      expect(l.reservedQuantity % l.packSize, l.lineId).toBe(0);
      expect(l.reservedQuantity).toBeLessThanOrEqual(l.quantity);
    }
    expect(lines.some((l) => l.reservedQuantity > 0)).toBe(true);
    expect(lines.some((l) => !l.partialAllowed)).toBe(true);
    expect(lines.some((l) => l.requestedDate < demo.asOf)).toBe(true);
    expect(new Set(lines.map((l) => l.packSize)).size).toBeGreaterThan(1);
    // Confirmations are backed by stock reserved at the line's location.
    for (const s of demo.stock) {
      const confirmed = lines.filter((l) => l.sku === s.sku && l.locationId === s.locationId).reduce((sum, l) => sum + l.reservedQuantity, 0);
      expect(s.reserved, `${s.sku}@${s.locationId}`).toBe(confirmed);
    }
  });

  it('scales a preset to a number of lines', () => {
    expect(generateDataset({ ...presetOptions(2_000), shortage: { skus: ['S'], coverPercent: 30 } }).demandLines).toHaveLength(2_000);
    expect(presetOptions('large').demandLines).toBe(100_000);
  });

  it('splits by weights with the largest remainder, losing no unit', () => {
    expect(splitByWeights(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitByWeights(7, [0.5, 0.25, 0.25])).toEqual([3, 2, 2]);
    expect(splitByWeights(5, [0, 0])).toEqual([5, 0]);
  });
});

describe('the families catalogue (the main job\'s showcase)', () => {
  const showcase = generateDataset(PRESETS.showcase);
  const familyOf = (sku: string) => {
    const description = showcase.items.find((i) => i.sku === sku)!.description;
    return PRODUCT_FAMILIES.find((f) => f.products.some((p) => p.description === description))?.family;
  };

  it('substitutes a product only by another of its family, at the catalogue\'s price difference', () => {
    z.array(ItemSchema).parse(showcase.items);
    z.array(SubstituteSchema).parse(showcase.substitutes);
    for (const item of showcase.items) expect(familyOf(item.sku), item.description).toBeDefined();
    expect(showcase.substitutes.length).toBeGreaterThan(0);
    const price = new Map(showcase.items.map((i) => [i.sku, i.unitPrice]));
    for (const s of showcase.substitutes) {
      expect(familyOf(s.substituteSku), `${s.sku} -> ${s.substituteSku}`).toBe(familyOf(s.sku));
      expect(s.priceDelta).toBeCloseTo(price.get(s.substituteSku)! - price.get(s.sku)!, 2);
    }
    // The example: nitrile gloves stand in for nitrile gloves, never for a bearing.
    const gloves = showcase.substitutes.filter((s) => s.sku === 'SKU-DEMO-1').map((s) => showcase.items.find((i) => i.sku === s.substituteSku)!.description);
    expect(gloves).toEqual(['nitrile examination gloves, size M, powder-free, extra-thick, box of 100', 'vinyl examination gloves, size M, powder-free, box of 100']);
  });

  it('makes several SKUs short, each with substitutes that are not short themselves', () => {
    const short = PRESETS.showcase.shortage.skus;
    expect(short.length).toBeGreaterThan(1);
    expect(new Set(short.map(familyOf)).size).toBe(short.length);
    for (const sku of short) {
      const { free, demand } = cover(showcase, sku);
      expect(free, sku).toBe(Math.floor((demand * PRESETS.showcase.shortage.coverPercent) / 100));
      const substitutes = showcase.substitutes.filter((s) => s.sku === sku);
      expect(substitutes.length, sku).toBeGreaterThan(0);
      for (const s of substitutes) expect(short).not.toContain(s.substituteSku);
    }
    for (const item of showcase.items.filter((i) => !short.includes(i.sku))) {
      const c = cover(showcase, item.sku);
      expect(c.free, item.sku).toBeGreaterThan(c.demand);
    }
  });

  it("keeps a tenth of each shortfall of its substitutes at the hub, the rest at the spokes, the network's stock and purchasing unchanged", () => {
    const { substituteHubPercent, ...usual } = PRESETS.showcase.shortage;
    const hubAsUsual = generateDataset({ ...PRESETS.showcase, shortage: usual });
    const hubId = showcase.locations.find((l) => l.kind === 'hub')!.locationId;
    const freeAt = (dataset: Dataset, sku: string, atHub: boolean) =>
      dataset.stock.filter((s) => s.sku === sku && (s.locationId === hubId) === atHub).reduce((sum, s) => sum + s.onHand - s.reserved - s.safetyStock, 0);
    for (const sku of PRESETS.showcase.shortage.skus) {
      const { free, demand } = cover(showcase, sku);
      for (const s of showcase.substitutes.filter((sub) => sub.sku === sku)) {
        const kept = Math.floor(((demand - free) * s.ratio * substituteHubPercent) / 100);
        expect(freeAt(showcase, s.substituteSku, true), s.substituteSku).toBe(kept);
        expect(freeAt(hubAsUsual, s.substituteSku, true), s.substituteSku).toBeGreaterThan(kept);
        expect(cover(showcase, s.substituteSku)).toEqual(cover(hubAsUsual, s.substituteSku));
      }
    }
    expect(showcase.purchaseOrders).toEqual(hubAsUsual.purchaseOrders);
    expect(showcase.demandLines).toEqual(hubAsUsual.demandLines);
  });

  it('refuses more SKUs or short SKUs than the catalogue holds, naming the field', () => {
    expect(() => generateDataset({ ...PRESETS.showcase, skus: 500 })).toThrow(/skus/);
    const many = PRODUCT_FAMILIES.map((_, i) => `SHORT-${i}`).concat('SHORT-X');
    expect(() => generateDataset({ ...PRESETS.showcase, shortage: { skus: many, coverPercent: 50 } })).toThrow(/shortage\.skus|"shortage",\s*"skus"/);
  });
});

describe('loading', () => {
  it('loads once, with the books balanced and the short SKU readable', () => {
    const db = openDatabase();
    expect(loadDataset(db, demo)).toEqual({ loaded: true });
    expect(loadDataset(db, demo)).toEqual({ loaded: false });
    expect((db.prepare('SELECT COUNT(*) AS n FROM demand_lines').get() as { n: number }).n).toBe(demo.demandLines.length);
    expect(checkBooks(db)).toMatchObject({ balanced: true });
    const store = createInventoryStore(db);
    const open = store.listDemandLines({ sku: SHORT, limit: 5000 }).lines;
    expect(open).toEqual(demo.demandLines.filter((l) => l.sku === SHORT));
    db.close();
  });
});
