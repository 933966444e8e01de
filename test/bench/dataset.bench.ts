// Generates the 100,000-line data set and loads it into a temporary SQLite file: how long each takes,
// how big the file is, how fast the short SKU's demand reads back, and what one threshold scan of the network costs.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCAN_PAGE_SIZE } from '../../activities/scan';
import { addDays } from '../../src/allocation/dates';
import { generateDataset, PRESETS } from '../../src/dataset/generate';
import { loadDataset } from '../../src/reference-service/seed';
import { skusAtRisk } from '../../src/impact/cover';
import { checkBooks } from '../../src/reference-service/books';
import { createInventoryStore } from '../../src/reference-service/inventory-store';
import { openDatabase } from '../../src/reference-service/schema';

export async function benchDataset(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'dataset-bench-'));
  try {
    const file = join(dir, 'large.db');
    let started = performance.now();
    const dataset = generateDataset(PRESETS.large);
    const generateMs = performance.now() - started;

    const db = openDatabase(file);
    started = performance.now();
    loadDataset(db, dataset);
    const loadMs = performance.now() - started;

    const sku = PRESETS.large.shortage.skus[0] as string;
    const store = createInventoryStore(db);
    started = performance.now();
    let lines = 0;
    let cursor: string | undefined;
    do {
      const page = store.listDemandLines({ sku, limit: 1000, ...(cursor ? { cursor } : {}) });
      lines += page.lines.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const readShortSkuMs = performance.now() - started;

    // One threshold scan of the whole network, as its activity pages it: every SKU's cover, the ones at risk.
    started = performance.now();
    const asOf = new Date().toISOString().slice(0, 10);
    let scanned = 0;
    let atRisk = 0;
    cursor = undefined;
    do {
      const page = store.listCoverPositions({ network: dataset.network, requestedUntil: addDays(asOf, 14), limit: SCAN_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      scanned += page.positions.length;
      atRisk += skusAtRisk(page.positions, asOf, 14).length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const scanMs = performance.now() - started;

    started = performance.now();
    const books = checkBooks(db);
    const checkBooksMs = performance.now() - started;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return {
      demandLines: dataset.demandLines.length,
      customers: dataset.customers.length,
      generateMs: Math.round(generateMs),
      loadMs: Math.round(loadMs),
      dbSizeMB: Math.round((statSync(file).size / 1024 / 1024) * 10) / 10,
      shortSkuOpenLines: lines,
      readShortSkuMs: Math.round(readShortSkuMs),
      scanSkus: scanned,
      scanSkusAtRisk: atRisk,
      scanWholeNetworkMs: Math.round(scanMs),
      checkBooksMs: Math.round(checkBooksMs),
      booksBalanced: String(books.balanced),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
