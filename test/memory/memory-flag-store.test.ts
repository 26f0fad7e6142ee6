import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';
import { flagStoreContract } from '../contracts/flag-store.contract.js';

flagStoreContract('MemoryFlagStore', () => Promise.resolve(new MemoryFlagStore()), { propertyRuns: 100 });
