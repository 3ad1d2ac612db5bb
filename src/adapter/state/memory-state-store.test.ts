import { MemoryStateStore } from './memory-state-store.js';
import { describeStateStoreContract } from './state-store.contract.js';

describeStateStoreContract('memory', () => new MemoryStateStore());
