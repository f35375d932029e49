import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/storage/database.sqlite';
import type { StoreFixture } from './store-fixture';

/** A fresh temp folder per fixture; each `open()` opens the real `chat.sqlite` file in it anew. */
export function sqliteFixture<S>(makeStore: (db: SqliteDatabase) => S): () => Promise<StoreFixture<S>> {
  return async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-store-'));
    return {
      async open() {
        return makeStore(SqliteDatabase.open(dataDir));
      },
      async destroy() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
}
