/**
 * The catalogued-bug switches (bug-catalogue.md §10.B) implemented inside
 * this layer, each a few marked lines (`BUG SWITCH Bn`) at the deviation.
 * The server validates `--bug` and passes the set down; the others (B3–B11,
 * B21, B24) live in kv/ and server/.
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
} as const);
