import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadSettings } from '@playlist-chat/platform';
import type { SqliteDatabase as SqliteDatabaseType } from '../../chat-server/src/storage/database.sqlite';
import type { SqliteRoomStore as SqliteRoomStoreType } from '../../chat-server/src/room-store/room-store.sqlite';
import type { SqliteMessageStore as SqliteMessageStoreType } from '../../chat-server/src/message-store/message-store.sqlite';
import type { storageSettings as storageSettingsType } from '../../chat-server/src/config/storage.settings';
import type { openStoreConnection as openStoreConnectionType } from '../../chat-server/src/storage/store-connection';
import type { openRoomStore as openRoomStoreType } from '../../chat-server/src/room-store/open-room-store';
import type { openMessageStore as openMessageStoreType } from '../../chat-server/src/message-store/open-message-store';
import type { roomViewFor as roomViewForType } from '../../chat-server/src/rooms/room.views';
import type { toChatMessage as toChatMessageType } from '../../chat-server/src/message-store/chat-message.mapper';

// The chat server's own SQLite adapters, as built (`npm run build`): what the bench writes goes
// through the same code (schema migrations, transactions, per-room sequence, FTS triggers) as
// the product's writes.
const load = createRequire(join(__dirname, '..', '..', 'chat-server', 'dist', 'index.js'));
/** `name` as the built module at `path` (relative to chat-server/dist) exports it. */
const built = <T>(path: string, name: string): T => (load(path) as Record<string, T>)[name];

export const SqliteDatabase = built<typeof SqliteDatabaseType>('./storage/database.sqlite', 'SqliteDatabase');
export const SqliteRoomStore = built<typeof SqliteRoomStoreType>(
  './room-store/room-store.sqlite',
  'SqliteRoomStore',
);
export const SqliteMessageStore = built<typeof SqliteMessageStoreType>(
  './message-store/message-store.sqlite',
  'SqliteMessageStore',
);
const storageSettings = built<typeof storageSettingsType>('./config/storage.settings', 'storageSettings');
const openStoreConnection = built<typeof openStoreConnectionType>(
  './storage/store-connection',
  'openStoreConnection',
);
export const openRoomStore = built<typeof openRoomStoreType>('./room-store/open-room-store', 'openRoomStore');
export const openMessageStore = built<typeof openMessageStoreType>(
  './message-store/open-message-store',
  'openMessageStore',
);
/** What the product answers a caller for one room (`GET /v1/api/rooms/{roomId}`), from the stored room. */
export const roomViewFor = built<typeof roomViewForType>('./rooms/room.views', 'roomViewFor');
/** What the product answers for one stored line (history, search). */
export const toChatMessage = built<typeof toChatMessageType>(
  './message-store/chat-message.mapper',
  'toChatMessage',
);

/**
 * The chat server's SQLite connection on `${dataDir}/chat.sqlite`, the product's own way from
 * settings to a connection, with every other storage setting at its default (page cache,
 * checkpoint thread): what the stores the bench measures run on.
 */
export function openSqliteConnection(dataDir: string): ReturnType<typeof openStoreConnectionType> {
  return openStoreConnection(loadSettings(storageSettings, { DATA_DIR: dataDir, CHAT_STORE: 'sqlite' }));
}
