import { join } from 'node:path';
import { isClaudineError } from '@claudine/core';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TurnWrites } from './turn-writes.js';

let temp: TempDir;
let path: string;
let db: Database.Database;
let writes: TurnWrites;

beforeEach(() => {
  temp = createTempDir();
  path = join(temp.path, 'claudine.db');
  db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  writes = new TurnWrites(db, path);
});

afterEach(() => {
  if (db.open) db.close();
  temp.remove();
});

const insert = (value: string) => () => Number(db.prepare('INSERT INTO t (v) VALUES (?)').run(value).lastInsertRowid);
const values = (connection: Database.Database) =>
  (connection.prepare('SELECT v FROM t ORDER BY id').all() as Array<{ v: string }>).map((row) => row.v);

describe('TurnWrites', () => {
  it('commits the writes of one turn in one transaction and resolves each with its result', async () => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const reader = new Database(path, { readonly: true });
    const pending = Array.from({ length: 20 }, (_, index) => writes.enqueue('insert', insert(`v${index}`)));
    // Nothing is written before the turn ends.
    expect(values(reader)).toEqual([]);
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(values(reader)).toHaveLength(20);
    reader.close();
    // One commit of 20 small rows adds a frame or two to the WAL; 20 commits would add 20.
    const [checkpoint] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    expect(checkpoint?.log).toBeLessThan(5);
  });

  it('keeps the other writes of the turn when one fails, and names the file in the error', async () => {
    await writes.enqueue('insert', insert('taken'));
    const results = await Promise.allSettled([
      writes.enqueue('insert a', insert('a')),
      writes.enqueue('insert a duplicate', insert('taken')),
      writes.enqueue('insert b', insert('b')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason;
    expect(isClaudineError(error)).toBe(true);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('insert a duplicate');
    expect(values(db)).toEqual(['taken', 'a', 'b']);
  });

  it('commits at once on flush, and refuses writes once the connection is closed', async () => {
    const pending = writes.enqueue('insert', insert('early'));
    writes.flush();
    db.close();
    await expect(pending).resolves.toBe(1);
    const late = writes.enqueue('insert late', insert('late'));
    await expect(late).rejects.toThrow(/closed/);
    const reader = new Database(path, { readonly: true });
    expect(values(reader)).toEqual(['early']);
    reader.close();
  });
});
