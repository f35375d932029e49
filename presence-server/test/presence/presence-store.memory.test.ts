import { InMemoryPresenceStore } from '../../src/presence/presence-store.memory';
import { presenceStoreContract } from './presence-store.contract';

presenceStoreContract('memory', async (options) => new InMemoryPresenceStore(options));
