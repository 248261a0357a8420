// Test and benchmark support: seeded simulated histories (not part of the checker's API).
export { SeededRandom } from './seeded-random.js';
export { simulateRegisterHistory } from './simulated-history.js';
export type { SimulationOptions } from './simulated-history.js';
export { repositoryRoot, sharedDataDir, etcdLinearizable, etcdFileIds, etcdSlowestIds } from './shared-data.js';
export { simulateKvHistory, kvHistoryToPorcupineLog } from './simulated-kv-history.js';
export type { KvSimulationOptions } from './simulated-kv-history.js';
