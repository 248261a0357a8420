/**
 * The catalogued-bug switches (bug-catalogue.md §10.B, §10.D) implemented in
 * the server layer, one line each on what the marked lines change; the
 * deviation itself is a few lines marked `BUG SWITCH <id>` where the correct
 * code path is. The catalogue of record is proto/bug-catalogue.ts: `--bug`
 * accepts exactly its expressible ids (catalogued-bugs.ts), and
 * bug-switches.test.ts checks that every expressible id has exactly one
 * layer registry entry here, in encryption/ or in kv/ (the layer the
 * catalogue names), and a marker in the sources.
 */
import { KV_LAYER_BUG_SWITCHES, type KvBugSwitches, type KvLayerBugId } from '../kv/index.js';

export const SERVER_LAYER_BUG_SWITCHES = Object.freeze({
  B3: 'NodeCore: after the cutover the whole proposal envelope (0x01 ‖ id ‖ payload) is wrapped instead of the payload inside it',
  B5: 'enableRaftEnvelope: a global gate; the marker waits behind the barrier the cutover itself closed (until the RPC deadline)',
  B6: 'enableRaftEnvelope: no barrier (Begin/WaitDrained skipped); user writes proposed while the marker commits land above it in cleartext',
  B11: 'enableRaftEnvelope: an ambiguous marker-propose error releases the barrier and sets no unsafe latch',
  B7: 'wireEncryption: wrap-on-propose not initialised from the sidecar at startup (only the unwrap side learns the cutover)',
  B8: "wireEncryption: the marker-apply installer publishes no wrap; only the EnableRaftEnvelope leader's InstallWrap step does",
  B9: 'NodeCore.proposeAdmin: admin entries (RotateDEK, RegisterEncryptionWriter) proposed unwrapped after the cutover',
  B10: 'NodeCore.proposeLeaseRenewal: the HLC lease renewal is proposed unwrapped after the cutover',
  B21: 'capabilityFanOut: probes voters only (learners are skipped)',
  B24: 'wireEncryption: the storage nonce factory is pinned to the pre-bump epoch (the bump placed after the replay)',
  B37: "memberPreRegistration: no read-before-propose collision check; a colliding joiner's registration is proposed and halts every replica on apply",
  B45: 'enable*Envelope: a retry after success is refused ("AlreadyExists") instead of answering was_already_active with the original index',
  B46: 'enable*Envelope: no cutover semaphore; concurrent calls both take the fresh path',
  E2: "wireEncryption / enableRaftEnvelope / RotateOnStartup: a 6E-1 build; the marker's apply records the cutover in the sidecar but installs neither the wrap nor the unwrap, at apply, at startup or after a rotation",
  E5: 'KV service: a write forwarded by a follower (no_forward set, served by the leader) is proposed without the raft wrap',
  E6: 'wireEncryption: the storage and raft local_epoch bumps run before the membership guards (node-id collision, pre-bump rollback), so a refused start consumes an epoch',
  E13: 'enableRaftEnvelope: step 2 waits for a drain signal that is only given when an in-flight proposal returns, so with none in flight it waits until the deadline',
  E16: "wireEncryption: the raft DEK's local_epoch is bumped at every start, also before the raft cutover",
  E17: "EncryptionTriggers: the node's own writer registrations are proposed through the barrier-exempt admin path (not held by the cutover barrier)",
  E21: 'parseEpoch: a wire local_epoch is narrowed to 16 bits (mod 65536) instead of refused with ErrLocalEpochOutOfRange',
  E22: 'RotateOnStartup: a retry after an ambiguous error reuses the DEK id of the failed attempt (with fresh key bytes) and skips the read fence',
  E23: 'RotateOnStartup.blocksMutators: client writes and lease renewals are not blocked while the startup rotation is pending',
} as const);

/** One switch of {@link SERVER_LAYER_BUG_SWITCHES}. */
export type ServerLayerBugId = keyof typeof SERVER_LAYER_BUG_SWITCHES;

/** The kv-layer switches among the `--bug` ids. */
export function kvBugSwitchesOf(bugs: readonly string[]): KvBugSwitches {
  const switches: { [id in KvLayerBugId]?: boolean } = {};
  for (const id of Object.keys(KV_LAYER_BUG_SWITCHES) as KvLayerBugId[]) if (bugs.includes(id)) switches[id] = true;
  return switches;
}
