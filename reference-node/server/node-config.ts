/**
 * The resolved, frozen configuration of one node process (STYLE.md 15): built
 * once from the command line by `parseNodeFlags`, then passed in. Defaults
 * live here, in one place.
 */
import type { CataloguedBugId } from './catalogued-bugs.js';
import type { TestKillPoint } from './test-kill-points.js';
import type { RolloutStage } from './rollout-stage.js';

/** Defaults of every tunable (STYLE.md 3: units last). */
export const nodeDefaults = Object.freeze({
  // 20 election slots of 25 ms over a 500–1000 ms randomized timeout: with
  // 10 slots of 50 ms, nodes started together often timed out in the same
  // slot and split the first vote (leader after >2 s instead of ~1 s).
  tickMs: 25,
  electionTicks: 20,
  heartbeatTicks: 2,
  snapshotEntries: 10_000,
  snapshotKeepEntries: 1_000,
  leaseIntervalMs: 1_000,
  proposalTimeoutMs: 5_000,
  logLevel: 'info',
  logFormat: 'json',
  stage: '6F',
  /** Outbound Raft messages queued per peer before new ones are dropped. */
  peerQueueMessagesMax: 4_096,
  /** Raft messages sent in one batch (one Ack on the peer stream). */
  peerBatchMessagesMax: 256,
  /** Bytes of encoded Raft messages sent in one batch (one Ack on the peer stream). */
  peerBatchBytesMax: 4 * 1024 * 1024,
  /** Slice of snapshot data per InstallSnapshot chunk. */
  snapshotChunkBytes: 1024 * 1024,
  /** Deadline of one peer RPC (a snapshot stream gets this per chunk). */
  peerRpcTimeoutMs: 5_000,
  /** Proposals and reads waiting for apply at once. */
  pendingRequestsMax: 10_000,
  /** Raft messages, proposals and other inputs queued for the Raft loop. */
  raftInputsMax: 100_000,
} as const);

/** Log levels pino knows. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Host and port of a listen or peer address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The full, validated configuration of a node. */
export interface NodeConfig {
  readonly id: string;
  readonly listen: HostPort;
  /** host:port the other members and clients dial to reach this node. */
  readonly advertise: string;
  /** Initial voters (id → address), empty for a node started with --join and no --peers. */
  readonly peers: ReadonlyMap<string, string>;
  /** Start with an empty configuration and wait to be added. */
  readonly join: boolean;
  readonly dataDir: string;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly snapshotEntries: number;
  readonly snapshotKeepEntries: number;
  readonly leaseIntervalMs: number;
  readonly proposalTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly logFormat: 'json' | 'pretty';
  readonly exitOnHalt: boolean;
  readonly testHooks: boolean;
  /** Test only (needs testHooks): SIGKILL this process at a named point of an encryption apply. */
  readonly testKillPoint?: TestKillPoint;
  /** Test only (needs testHooks): ms the raft cutover waits between its drained barrier and the marker's proposal (0 = none). */
  readonly testRaftMarkerDelayMs: number;
  /** Overrides of the address this node dials per peer (harness proxies). */
  readonly peerRoutes: ReadonlyMap<string, string>;
  readonly stage: RolloutStage;
  readonly bugs: readonly CataloguedBugId[];
  readonly encryptionEnabled: boolean;
  readonly kekFile: string;
  readonly sidecarPath: string;
  readonly rotateOnStartup: boolean;
  readonly peerQueueMessagesMax: number;
  readonly peerBatchMessagesMax: number;
  readonly peerBatchBytesMax: number;
  readonly snapshotChunkBytes: number;
  readonly peerRpcTimeoutMs: number;
  readonly pendingRequestsMax: number;
  readonly raftInputsMax: number;
}

const mapText = (map: ReadonlyMap<string, string>): string => [...map].map(([k, v]) => `${k}=${v}`).join(',');

/** The resolved flags as reported by Status.flags (names without dashes, camelCase). */
export function statusFlags(config: NodeConfig): Record<string, string> {
  return {
    id: config.id,
    listen: `${config.listen.host}:${config.listen.port}`,
    advertise: config.advertise,
    peers: mapText(config.peers),
    join: String(config.join),
    dataDir: config.dataDir,
    tickMs: String(config.tickMs),
    electionTicks: String(config.electionTicks),
    heartbeatTicks: String(config.heartbeatTicks),
    snapshotEntries: String(config.snapshotEntries),
    snapshotKeepEntries: String(config.snapshotKeepEntries),
    leaseIntervalMs: String(config.leaseIntervalMs),
    proposalTimeoutMs: String(config.proposalTimeoutMs),
    logLevel: config.logLevel,
    logFormat: config.logFormat,
    exitOnHalt: String(config.exitOnHalt),
    testHooks: String(config.testHooks),
    testKillPoint: config.testKillPoint ?? '',
    testRaftMarkerDelayMs: String(config.testRaftMarkerDelayMs),
    peerRoute: mapText(config.peerRoutes),
    stage: config.stage,
    bug: config.bugs.join(','),
    encryptionEnabled: String(config.encryptionEnabled),
    kekFile: config.kekFile,
    sidecarPath: config.sidecarPath,
    rotateOnStartup: String(config.rotateOnStartup),
  };
}
