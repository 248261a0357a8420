/**
 * Which log entries mutate the sidecar (spec §4.5): FSM opcodes 0x04–0x07.
 * 0x03 (registration) is excluded on purpose — it never writes the sidecar,
 * and counting it would fire ErrSidecarBehindRaftLog on every restart (B30).
 */

/** True if the FSM payload (the proposal envelope's inner payload) is a sidecar-mutating entry. */
export function isEncryptionRelevantPayload(payload: Uint8Array): boolean {
  const opcode = payload[0];
  return opcode !== undefined && opcode >= 0x04 && opcode <= 0x07;
}
