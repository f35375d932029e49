import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { SqliteDatabase as SqliteDatabaseType } from '../../chat-server/src/storage/database.sqlite';
import type { SqliteRoomStore as SqliteRoomStoreType } from '../../chat-server/src/room-store/room-store.sqlite';
import type { SqliteMessageStore as SqliteMessageStoreType } from '../../chat-server/src/message-store/message-store.sqlite';
import type { storageSettings as storageSettingsType } from '../../chat-server/src/config/storage.settings';
import type { openStoreConnection as openStoreConnectionType } from '../../chat-server/src/storage/store-connection';

// The chat server's own SQLite adapters, as built (`npm run build`): what the bench writes goes
// through the same code (schema migrations, transactions, per-room sequence, FTS triggers) as
// the product's writes.
const load = createRequire(join(__dirname, '..', '..', 'chat-server', 'dist', 'index.js'));

export const { SqliteDatabase } = load('./storage/database.sqlite') as {
  SqliteDatabase: typeof SqliteDatabaseType;
};
export const { SqliteRoomStore } = load('./room-store/room-store.sqlite') as {
  SqliteRoomStore: typeof SqliteRoomStoreType;
};
export const { SqliteMessageStore } = load('./message-store/message-store.sqlite') as {
  SqliteMessageStore: typeof SqliteMessageStoreType;
};
export const { storageSettings } = load('./config/storage.settings') as {
  storageSettings: typeof storageSettingsType;
};
export const { openStoreConnection } = load('./storage/store-connection') as {
  openStoreConnection: typeof openStoreConnectionType;
};
