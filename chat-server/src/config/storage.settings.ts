import { platformSettings, requiredWhenEquals, setting, type SettingsOf } from '@playlist-chat/platform';

/** Where the chat server keeps rooms and messages. */
export const storageSettings = {
  store: setting.oneOf(
    'CHAT_STORE',
    ['sqlite', 'mongo'],
    'sqlite',
    'Room and message store: embedded SQLite file under DATA_DIR (single node) or MongoDB',
  ),
  // Declared once in the platform settings; repeated here so this group is complete on its own.
  dataDir: platformSettings.dataDir,
  mongoUrl: setting.string(
    'MONGO_URL',
    '',
    'MongoDB connection string with the database name, e.g. mongodb://mongo:27017/chat',
    {
      pattern: /^$|^mongodb(\+srv)?:\/\/\S+$/,
      hint: 'a mongodb:// or mongodb+srv:// connection string',
      requiredWhen: requiredWhenEquals('CHAT_STORE', 'mongo'),
    },
  ),
};

export type StorageSettings = SettingsOf<typeof storageSettings>;
