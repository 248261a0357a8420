/**
 * The Raft core's configuration: one object, defaults in one place, every
 * bound named with its unit last (STYLE.md 3).
 */
import { RaftError } from './errors.js';
import type { Storage } from './storage.js';
import type { NodeId } from './types.js';

/** Levels of the optional logger sink. */
export type RaftLogLevel = 'debug' | 'info' | 'warn';

/** Receives the core's diagnostic lines; the shell forwards them to its logger. */
export type RaftLogger = (level: RaftLogLevel, message: string) => void;

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: Storage;
  /** Uniform in [0, 1); the only source of randomness (election timeout jitter). */
  readonly random: () => number;
  /** Followers campaign after a randomized [electionTicks, 2*electionTicks) ticks without a leader. */
  readonly electionTicks: number;
  /** The leader sends heartbeats every heartbeatTicks ticks. */
  readonly heartbeatTicks: number;
  /** Run a pre-vote round before incrementing the term (no term inflation by rejoining nodes). */
  readonly preVote: boolean;
  /** The leader steps down when it has not heard from a quorum within an election timeout. */
  readonly checkQuorum: boolean;
  /** Entries per Append message. */
  readonly maxEntriesPerMessage: number;
  /** Append messages in flight per follower while replicating. */
  readonly maxInflightMessages: number;
  /** Bound on the payload bytes the leader holds uncommitted; above it proposals are dropped. */
  readonly maxUncommittedEntriesBytes: number;
  /** Committed entries handed out per Ready (bounds the work of one apply batch, e.g. on replay). */
  readonly maxCommittedEntriesPerReady: number;
  /** The application's durable applied index at start: committed entries are handed out after it. */
  readonly applied: number;
  readonly logger: RaftLogger | null;
}

/** What a caller must give; everything else has a default. */
export type RaftConfigInput = Pick<RaftConfig, 'id' | 'storage' | 'random'> &
  Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;

/** The defaults of every optional setting. */
export const raftConfigDefaults = Object.freeze({
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerMessage: 64,
  maxInflightMessages: 256,
  maxUncommittedEntriesBytes: 64 * 1024 * 1024,
  maxCommittedEntriesPerReady: 1024,
  applied: 0,
  logger: null,
} satisfies Omit<RaftConfig, 'id' | 'storage' | 'random'>);

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RaftError('InvalidConfig', `${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

/** Fills in defaults and validates; throws RaftError `InvalidConfig` naming the bad field. */
export function resolveRaftConfig(input: RaftConfigInput): RaftConfig {
  const config: RaftConfig = { ...raftConfigDefaults, ...stripUndefined(input) };
  if (typeof config.id !== 'string' || config.id.length === 0)
    throw new RaftError('InvalidConfig', 'id must be a non-empty string');
  if (typeof config.random !== 'function')
    throw new RaftError('InvalidConfig', 'random must be a function returning [0, 1)');
  requireInteger('heartbeatTicks', config.heartbeatTicks, 1);
  requireInteger('electionTicks', config.electionTicks, config.heartbeatTicks + 1);
  requireInteger('maxEntriesPerMessage', config.maxEntriesPerMessage, 1);
  requireInteger('maxInflightMessages', config.maxInflightMessages, 1);
  requireInteger('maxUncommittedEntriesBytes', config.maxUncommittedEntriesBytes, 1);
  requireInteger('maxCommittedEntriesPerReady', config.maxCommittedEntriesPerReady, 1);
  requireInteger('applied', config.applied, 0);
  return Object.freeze(config);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
