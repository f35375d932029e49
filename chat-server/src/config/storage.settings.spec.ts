import { ConfigError, loadSettings } from '@playlist-chat/platform';
import { describe, expect, it } from 'vitest';
import { databaseOf, storageSettings } from './storage.settings';

describe('MONGO_URL', () => {
  it.each([
    ['mongodb://mongo:27017/chat', 'chat'],
    ['mongodb://a:27017,b:27017/playlist-chat?replicaSet=rs0', 'playlist-chat'],
    ['mongodb+srv://user:p%40ss@cluster.example.net/chat?retryWrites=true', 'chat'],
    ['mongodb://mongo:27017', ''],
    ['mongodb://mongo:27017/', ''],
    ['mongodb://mongo:27017/?replicaSet=rs0', ''],
  ])('%s names the database %o', (url, database) => {
    expect(databaseOf(url)).toBe(database);
  });

  it('is refused without a database name, naming the setting (the driver would use "test")', () => {
    const load = () =>
      loadSettings(storageSettings, {
        CHAT_STORE: 'mongo',
        MONGO_URL: 'mongodb://mongo:27017/?replicaSet=rs0',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/MONGO_URL must name the database/);
  });
});

describe('MONGO_URL in a cluster', () => {
  it.each([
    ['CHAT_STORE unset (MongoDB by default)', { DEPLOYMENT_MODE: 'cluster' }],
    ['CHAT_STORE=mongo', { DEPLOYMENT_MODE: 'cluster', CHAT_STORE: 'mongo' }],
  ])('is required with %s, naming it', (_case, env) => {
    expect(() => loadSettings(storageSettings, env)).toThrow(/MONGO_URL is required when CHAT_STORE=mongo/);
  });

  it('is not required in single node, where SQLite is the default', () => {
    expect(loadSettings(storageSettings, {}).store).toBe('sqlite');
  });
});
