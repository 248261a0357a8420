// Two rules about each node's sidecar itself, as collected after the run:
// - its file mode: keys.json holds the KEK-wrapped DEKs and the epochs, and
//   both it and its temp file are 0600 (spec §4.1; catalogue B47: the temp
//   file inherited the default mode and the rename made keys.json readable
//   by group and others);
// - the raft DEK's epoch before the raft cutover: only a process start with
//   the raft cutover active bumps it, because no raft nonce is emitted before
//   (spec §3.3), and a raft DEK rotated before the cutover is pinned to the
//   raft factory's epoch, 0; so a sidecar without a raft cutover whose raft
//   keys carry an epoch above 0 burnt epochs it never used (catalogue E16: a
//   bump at every start, which runs the 16-bit space out, I2).
import type { Finding, NodeInspection, RawFile } from '../artifacts/index.js';
import { rolloutProcess } from '../history/index.js';
import type { HistoryOp } from '../history/index.js';

const sidecarName = /(^|\/)keys\.json$/;

/** The bootstrap's ok: from there on every node's sidecar holds DEKs (the op a finding about the sidecar names). */
function bootstrapOk(history: readonly HistoryOp[]): HistoryOp | undefined {
  return history.find((op) => op.process === rolloutProcess && op.f === 'bootstrap' && op.type === 'ok');
}

/** The first completed restart after the bootstrap, by the operator or the nemesis: the first start that could bump an epoch. */
function firstRestartAfterBootstrap(history: readonly HistoryOp[]): HistoryOp | undefined {
  const after = bootstrapOk(history)?.index ?? Infinity;
  return history.find((op) => op.index > after && op.f === 'restart' && op.type !== 'invoke');
}

/** keys.json readable or writable by anyone but its owner. */
export function checkSidecarMode(files: readonly RawFile[], history: readonly HistoryOp[]): Finding[] {
  const written = bootstrapOk(history);
  return files.flatMap((file) => {
    if (!sidecarName.test(file.path) || file.mode === undefined || (file.mode & 0o077) === 0) return [];
    const mode = `0${file.mode.toString(8).padStart(3, '0')}`;
    return [
      {
        invariant: 'sidecar-mode',
        nodes: [file.node],
        path: file.path,
        ...(written === undefined ? {} : { opIndex: written.index, time: written.time }),
        message: `${file.node}'s sidecar ${file.path} has mode ${mode}: it must be 0600 (owner only), it holds the wrapped DEKs and the nonce epochs.`,
        details: { mode },
      },
    ];
  });
}

/** Raft keys with an epoch above 0 in a sidecar that never saw the raft cutover. */
export function checkRaftEpochBeforeCutover(
  inspections: readonly NodeInspection[],
  history: readonly HistoryOp[],
): Finding[] {
  const restart = firstRestartAfterBootstrap(history);
  return inspections.flatMap(({ node, records }) =>
    records.flatMap((record) => {
      if (record.kind !== 'sidecar' || !record.present || 'error' in record || record.raftEnvelopeCutoverIndex !== 0)
        return [];
      const bumped = record.keys.filter((key) => key.purpose === 'raft' && key.localEpoch > 0);
      return bumped.map((key) => ({
        invariant: 'I2',
        nodes: [node],
        ...(restart === undefined ? {} : { opIndex: restart.index, time: restart.time }),
        message: `${node}'s sidecar has no raft cutover but raft DEK ${key.id} at local epoch ${key.localEpoch}: before the cutover no raft nonce is emitted and the raft epoch stays 0 (spec §3.3); each start burnt one.`,
        details: { dekId: key.id, localEpoch: key.localEpoch },
      }));
    }),
  );
}
