import { isSingleNode, platformSettings, setting, type Env, type SettingsOf } from '@playlist-chat/platform';

/** The database a MongoDB connection string names (the path after the hosts), '' when none. */
export function databaseOf(url: string): string {
  const rest = url.replace(/^mongodb(\+srv)?:\/\//, '');
  const slash = rest.indexOf('/');
  if (slash < 0) return '';
  return decodeURIComponent(rest.slice(slash + 1).split('?')[0]);
}

/** CHAT_SQLITE_PLAYLIST_CACHE_MB's default, also what a SQLite room store opened without settings keeps. */
export const DEFAULT_PLAYLIST_CACHE_MB = 64;

/** CHAT_STORE's default: SQLite in single node, MongoDB in a cluster. */
const defaultStore = (env: Env): 'sqlite' | 'mongo' => (isSingleNode(env) ? 'sqlite' : 'mongo');

/**
 * MONGO_URL's `requiredWhen`: the store CHAT_STORE selects, set or by default, is MongoDB (a
 * cluster that leaves CHAT_STORE unset gets MongoDB, and needs MONGO_URL as much as one naming it).
 */
const mongoChosen = (env: Env): string | undefined =>
  (env.CHAT_STORE || defaultStore(env)) === 'mongo' ? 'CHAT_STORE=mongo' : undefined;

/** Where the chat server keeps rooms and messages. */
export const storageSettings = {
  store: setting.oneOf(
    'CHAT_STORE',
    ['sqlite', 'mongo'],
    defaultStore,
    'Room and message store: embedded SQLite file under DATA_DIR (single node, or several processes on one host sharing the file) or MongoDB',
    {
      // Replicas of a cluster run on different hosts: each would write a file of its own.
      refuse: (value, env) =>
        value === 'sqlite' && env.DEPLOYMENT_MODE === 'cluster'
          ? 'must not be sqlite when DEPLOYMENT_MODE=cluster: each replica would keep its own rooms; use mongo (several processes on one host share a SQLite file in single mode, as npm run cluster:local does)'
          : undefined,
    },
  ),
  // Declared once in the platform settings; repeated here so this group is complete on its own.
  dataDir: platformSettings.dataDir,
  sqliteCacheMb: setting.int(
    'CHAT_SQLITE_CACHE_MB',
    64,
    "SQLite store: the connection's page cache in MiB (SQLite's own default is 2); filled only as pages are read",
    { min: 1, max: 4_096 },
  ),
  sqliteCheckpointMs: setting.int(
    'CHAT_SQLITE_CHECKPOINT_MS',
    1_000,
    "SQLite store: how often a thread of its own copies the write-ahead log back into the file, so no commit on the event loop waits for those writes and fsyncs; 0: SQLite's own checkpoint, inline in the commit that fills the log past 1,000 pages",
    { min: 0, max: 60_000 },
  ),
  sqlitePlaylistCacheMb: setting.int(
    'CHAT_SQLITE_PLAYLIST_CACHE_MB',
    DEFAULT_PLAYLIST_CACHE_MB,
    "SQLite store: rooms' playlists kept parsed in memory, in MiB of their stored JSON (in memory about twice that); a playlist never changes, so a kept one is not read and parsed again for each room read and re-entry. When full, a kept playlist makes way only after a minute unread; 0: keep none",
    { min: 0, max: 4_096 },
  ),
  mongoUrl: setting.string(
    'MONGO_URL',
    '',
    'MongoDB connection string with the database name, e.g. mongodb://mongo:27017/chat',
    {
      pattern: /^$|^mongodb(\+srv)?:\/\/\S+$/,
      hint: 'a mongodb:// or mongodb+srv:// connection string',
      requiredWhen: mongoChosen,
      // Without one the driver silently uses the database `test`.
      refuse: (value) =>
        value !== '' && databaseOf(value) === ''
          ? 'must name the database, e.g. mongodb://mongo:27017/chat (without one the driver would use "test")'
          : undefined,
    },
  ),
};

export type StorageSettings = SettingsOf<typeof storageSettings>;
