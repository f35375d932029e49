export * from './storage.settings';
export * from './storage.module';
export * from './open-stores';
export type { StoreFixture } from './store-fixture';
