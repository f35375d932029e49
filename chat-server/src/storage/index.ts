export * from './storage.module';
export * from './store-connection';
