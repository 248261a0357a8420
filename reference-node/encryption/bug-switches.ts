/**
 * The catalogued-bug switches (bug-catalogue.md §10.B, §10.D) implemented inside
 * this layer, each a few marked lines (`BUG SWITCH Bn`) at the deviation.
 * The server validates `--bug` against proto/bug-catalogue.ts and passes the
 * set down; the others live in kv/ and server/.
 */
export const ENCRYPTION_LAYER_BUG_SWITCHES = Object.freeze({
  B1: 'applyRegistration: equal-epoch replay treated as a rollback (halt loop)',
  B13: 'enable-raft-envelope: stale-DEK check before "already active" (no wrap on replay after a raft rotation); the server then replays the retained marker at startup instead of installing from the sidecar',
  B15: 'enable-storage-envelope: sidecar flip before the proposer registration',
  B16: 'enable-*-envelope: `wrapped == nil` check instead of a length check (every marker halts)',
  B17: 'enable-*-envelope: halt on a stale DEK instead of the benign no-op',
  B23: 'checkLocalEpochRollback / checkRaftEpochRollback: guard disabled',
  B25: 'nonceEpochForLoad: epoch pinned to 0 on every load',
  B26: 'hydrateKeystore: keystore not hydrated from the sidecar',
  B27: 'checkStartupGuards: no ErrSidecarPresentWithoutFlag downgrade guard',
  B30: 'checkSidecarBehindRaftLog: a registration (0x03) in the gap counts as sidecar-mutating, so every restart after one refuses',
  B36: "rotate-dek: the new DEK's sidecar local_epoch is 0 instead of this node's pinned epoch, while registrations carry the pinned epoch",
  B47: 'writeSidecar: the temp file (renamed to keys.json) is created with the default mode 0666 less the umask instead of 0600',
  E1: "enable-raft-envelope: the applier gets index 0 and records cutover 0 (registration persisted, no wrap); the server's EnableRaftEnvelope reports success with the marker index",
  E19: "checkRaftEpochRollback: a raft epoch equal to the registry's last_seen is accepted at startup (part (b) of E19)",
  E14: "rotate-dek: after the cutover a raft-DEK rotation does not re-install the wrap (new entries keep the old raft DEK); rotate-on-startup's re-install is skipped too",
} as const);
