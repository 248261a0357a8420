/**
 * Everything durable of one node, opened together: the node database, the
 * Raft log store on it, and the FSM's state store on it. This is the entry
 * point the server uses (`NodeStorage.open(dataDir)`).
 */
import type { LogStore } from './log-store.js';
import { LogStore as LogStoreClass } from './log-store.js';
import { NodeDatabase, type OpenNodeDatabaseOptions } from './node-database.js';
import { StateStore, type StateStoreOptions } from './state-store.js';

/** Options of {@link NodeStorage.open}. */
export interface NodeStorageOptions extends OpenNodeDatabaseOptions, StateStoreOptions {}

/** The opened storage of a node. Close it on every exit path. */
export class NodeStorage {
  private constructor(
    readonly database: NodeDatabase,
    readonly log: LogStore,
    readonly state: StateStore,
  ) {}

  /** Opens `<dataDir>/db` (creating it) and both stores on it. */
  static async open(dataDir: string, options: NodeStorageOptions = {}): Promise<NodeStorage> {
    const database = await NodeDatabase.open(dataDir, options);
    try {
      const log = await LogStoreClass.open(database);
      const state = await StateStore.open(database, options);
      return new NodeStorage(database, log, state);
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  /** Closes the stores (after their queued writes settle) and the database. */
  async close(): Promise<void> {
    await this.log.close();
    await this.state.drain();
    await this.database.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
