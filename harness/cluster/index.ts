/**
 * The backend-neutral cluster interface; backends live in local/, docker/
 * and fake/ (import them from their own index.ts).
 */
export type {
  BackendName,
  ClockSkewable,
  ClusterBackend,
  ClusterSpec,
  ExitExpecting,
  Grudge,
  Killable,
  LinkDegradable,
  NodeHandle,
  NodeSpec,
  Partitionable,
  Pausable,
  StartedCluster,
} from './cluster-backend.js';
export { flagsForNode } from './cluster-backend.js';
