// Two processes of one host open the store's file at the same moment (two workers started together): switching the
// file to WAL needs every other connection out of it, and while another one writes SQLite answers SQLITE_BUSY at
// once, whatever the busy timeout (waiting could deadlock). The second opener must wait its turn, not crash: the
// oncall fleet test's second worker once exited so.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/incident-store/sqlite-store';

const folder = mkdtempSync(join(tmpdir(), 'sqlite-open-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const HOLD_MS = 600;

/** Another process writing the file in a transaction for HOLD_MS, as a first opener migrating it: resolves once it holds its lock. */
function anotherProcessWriting(file: string): Promise<{ exited: Promise<number | null> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    db.exec('INSERT INTO begun VALUES (1)');
    console.log('holding');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${HOLD_MS});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  return new Promise((holding, failed) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('holding')) holding({ exited });
    });
    child.on('error', failed);
    void exited.then((code) => failed(new Error(`the writer exited (${code}) before it held its lock`)));
  });
}

describe('opening the SQLite store', () => {
  it('waits while another process holds the new file, then switches it to WAL and works', async () => {
    const file = join(folder, 'busy.sqlite');
    // A file with a page in it, as a second opener finds it: the first has begun to write it.
    const first = new Database(file);
    first.exec('CREATE TABLE begun (x INTEGER)');
    first.close();
    const writer = await anotherProcessWriting(file);
    const store = openSqliteStore(file);
    await store.put('stockout:EU:SKU-1', 'report', { fillRate: 1 });
    expect(await store.get('stockout:EU:SKU-1', 'report')).toEqual({ fillRate: 1 });
    await store.close();
    expect(await writer.exited).toBe(0);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();
  });
});
