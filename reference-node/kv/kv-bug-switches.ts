/**
 * Catalogued bugs (shared/spec/bug-catalogue.md) that live in the kv layer
 * and can be re-introduced for the harness, one line each on what the marked
 * lines (`BUG SWITCH <id>`) change. All default off; the server maps `--bug`
 * ids onto {@link KvBugSwitches} (kvBugSwitchesOf in server/bug-switches.ts).
 */
export const KV_LAYER_BUG_SWITCHES = Object.freeze({
  B4: 'ApplyPipeline: unwrap at index >= cutover instead of the strict >, so the cleartext marker is unwrapped and halts',
  B40: 'StateMachine: the encryption band is only 0x03-0x05, so 0x06/0x07 fall through to the legacy decoder (silent skip)',
  B42: 'SnapshotHeaderWriter: no no-downgrade latch; a snapshot taken while the cutover source reads 0 again is v1',
} as const);

/** One switch of {@link KV_LAYER_BUG_SWITCHES}. */
export type KvLayerBugId = keyof typeof KV_LAYER_BUG_SWITCHES;

/** The kv switches as handed to the pipeline and the state machine (absent = off). */
export type KvBugSwitches = { readonly [id in KvLayerBugId]?: boolean };
