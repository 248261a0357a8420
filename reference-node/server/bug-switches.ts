/**
 * The catalogued-bug switches (bug-catalogue.md §10.B) implemented in the
 * server layer, one line each; the deviation itself is a few lines marked
 * `BUG SWITCH Bn` where the correct code path is. `--bug` is validated by
 * catalogued-bugs.ts and handed down as a set of upper-case ids; kv/ and
 * encryption/ keep their own registries for the switches they hold.
 */
export const SERVER_LAYER_BUG_SWITCHES = Object.freeze({
  B3: 'NodeCore: after the cutover the whole proposal envelope (0x01 ‖ id ‖ payload) is wrapped instead of the payload inside it',
  B4: 'startNode: the ApplyPipeline unwraps at index >= cutover (kv KvBugSwitches.B4), so the cleartext marker is unwrapped',
  B5: 'enableRaftEnvelope: a global gate; the marker waits behind the barrier the cutover itself closed (until the RPC deadline)',
  B6: 'enableRaftEnvelope: no barrier (Begin/WaitDrained skipped); user writes proposed while the marker commits land above it in cleartext',
  B11: 'enableRaftEnvelope: an ambiguous marker-propose error releases the barrier and sets no unsafe latch',
  B7: 'wireEncryption: wrap-on-propose not initialised from the sidecar at startup (only the unwrap side learns the cutover)',
  B8: 'wireEncryption: the marker-apply installer publishes no wrap; only the EnableRaftEnvelope leader\'s InstallWrap step does',
  B9: 'NodeCore.proposeAdmin: admin entries (RotateDEK, RegisterEncryptionWriter) proposed unwrapped after the cutover',
  B10: 'NodeCore.proposeLeaseRenewal: the HLC lease renewal is proposed unwrapped after the cutover',
  B21: 'capabilityFanOut: probes voters only (learners are skipped)',
  B24: 'wireEncryption: the storage nonce factory is pinned to the pre-bump epoch (the bump placed after the replay)',
} as const);

/** One switch of {@link SERVER_LAYER_BUG_SWITCHES}. */
export type ServerLayerBugId = keyof typeof SERVER_LAYER_BUG_SWITCHES;
