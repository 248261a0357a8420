/**
 * Catalogued bugs (shared/spec/bug-catalogue.md) that live in the kv layer
 * and can be re-introduced for the harness. All default off; the server maps
 * `--bug` ids onto these switches.
 */
export interface KvBugSwitches {
  /** B4: unwrap at `index >= cutover` instead of the strict `>` (the cutover marker gets unwrapped and halts). */
  readonly B4?: boolean;
  /** B40: the encryption band is only 0x03-0x05, so 0x06/0x07 fall through to the legacy decoder (silent skip). */
  readonly B40?: boolean;
  /** B42: the snapshot writer downgrades from v2 to v1 when the cutover source reads 0 again (no latch). */
  readonly B42?: boolean;
}
