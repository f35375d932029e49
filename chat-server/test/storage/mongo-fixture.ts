import { randomUUID } from 'node:crypto';
import { MongoConnection } from '../../src/storage/connection.mongo';
import type { StoreFixture } from './store-fixture';

/** A fresh database per fixture on the MongoDB at `url`; each `open()` connects anew, `destroy()` drops it. */
export function mongoFixture<S>(
  url: string,
  makeStore: (connection: MongoConnection) => Promise<S>,
): () => Promise<StoreFixture<S>> {
  return async () => {
    const dbName = `chat_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    return {
      async open() {
        return makeStore(await MongoConnection.open(url, { dbName, serverSelectionTimeoutMs: 5_000 }));
      },
      async destroy() {
        const admin = await MongoConnection.open(url, { dbName, serverSelectionTimeoutMs: 5_000 });
        try {
          await admin.connection.dropDatabase();
        } finally {
          await admin.close();
        }
      },
    };
  };
}
