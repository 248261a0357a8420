/**
 * The one typed registry of the catalogued bugs (shared/spec/bug-catalogue.md
 * §10.B and §10.D): every id, one line on what went wrong, and whether the
 * reference node can re-introduce it (`ekv-node --bug <id>`). An expressible
 * bug names the layer whose code carries its switch (a few lines marked
 * `BUG SWITCH <id>` at the deviation) and what a black-box harness observes
 * while it is on: the fault or rollout step that triggers it and the §10.A
 * invariant (I1–I10) that breaks. An inexpressible one says why.
 *
 * This is the node's public contract for `--bug`: the node accepts exactly
 * the expressible ids; the harness may read the rest (which scenario to run
 * a switch under is the harness's business, not the node's). The layer
 * registries inside the node (server/, encryption/, kv/ bug-switches) are
 * checked against this list by server/bug-switches.test.ts.
 */

/** The node layer (ARCHITECTURE.md) that holds a switch. */
export type BugLayer = 'kv' | 'encryption' | 'server';

/** The catalogue section an id comes from. */
export type BugSection = '10.B' | '10.D';

interface BugEntryBase {
  readonly id: string;
  readonly section: BugSection;
  /** What the historical code did wrong, in one line. */
  readonly description: string;
}

/** A bug `--bug` can switch on. */
export interface ExpressibleBug extends BugEntryBase {
  readonly expressible: true;
  readonly layer: BugLayer;
  /** What a black-box harness sees with the switch on: trigger, symptom, the invariant broken. */
  readonly observable: string;
}

/** A catalogued bug the node has no switch for, and why. */
export interface InexpressibleBug extends BugEntryBase {
  readonly expressible: false;
  readonly why: string;
}

/** One catalogue entry. */
export type BugEntry = ExpressibleBug | InexpressibleBug;

const on = <const Id extends string>(
  id: Id,
  section: BugSection,
  layer: BugLayer,
  description: string,
  observable: string,
) => ({ id, section, expressible: true, layer, description, observable }) as const;
const off = <const Id extends string>(id: Id, section: BugSection, description: string, why: string) =>
  ({ id, section, expressible: false, description, why }) as const;

const entries = [
  on(
    'B1',
    '10.B',
    'encryption',
    'an equal-epoch registration replay is treated as a rollback',
    'kill -9 shortly after a registration/bootstrap/enable entry applies, restart: the node halts replaying it, at the same index after every restart (I4 halt loop; HALT)',
  ),
  off(
    'B2',
    '10.B',
    'mutators wired before the applier and the KEK existed on every replica',
    "the node has no release without an applier to go back to: --stage 6A already carries the applier (a KEK-less 6A node under a 6B+ leader halting on bootstrap is the spec's documented behaviour, §7.8, reachable with --stage and flags); there is no fixed code path to switch off",
  ),
  on(
    'B3',
    '10.B',
    'server',
    'the whole proposal envelope is wrapped instead of the payload inside it',
    'enable Phase 2: every later write times out (the proposal id is unrecoverable) while apply goes on (STUCK; availability)',
  ),
  on(
    'B4',
    '10.B',
    'kv',
    'unwrap at index >= cutover instead of the strict >',
    'enable Phase 2: every replica halts at the marker index (I5; HALT), Phase 2 never completes',
  ),
  on(
    'B5',
    '10.B',
    'server',
    'the cutover barrier is a global gate that also holds the marker',
    'enable Phase 2: EnableRaftEnvelope never returns before its deadline and writes are refused meanwhile (STUCK)',
  ),
  on(
    'B6',
    '10.B',
    'server',
    'no cutover barrier at all',
    'enable Phase 2 under a high write rate: a cleartext write lands above the cutover, every replica halts (I5; HALT/GCM)',
  ),
  on(
    'B7',
    '10.B',
    'server',
    'wrap-on-propose is not initialised from the sidecar at startup',
    'restart the nodes after Phase 2 and let a restarted one lead: it proposes cleartext above the cutover, every replica halts (I5; HALT)',
  ),
  on(
    'B8',
    '10.B',
    'server',
    'the wrap is installed only on the leader that ran EnableRaftEnvelope',
    'kill or isolate the leader right after the cutover commits: the new leader proposes cleartext, every replica halts (I5; HALT)',
  ),
  on(
    'B9',
    '10.B',
    'server',
    'admin entries are proposed through the raw engine after the cutover',
    'RotateDEK or a writer registration (restart, add a learner) after Phase 2: every replica halts (I5; HALT)',
  ),
  on(
    'B10',
    '10.B',
    'server',
    'the HLC lease renewal bypasses the wrap',
    'idle the cluster after Phase 2: every replica halts within one lease interval (I5; HALT)',
  ),
  on(
    'B11',
    '10.B',
    'server',
    'the barrier is released after an ambiguous marker-propose error',
    "isolate the leader during the marker's propose: cleartext writes are admitted, the marker commits later, every replica halts (I5; HALT) instead of the latched leader staying STUCK",
  ),
  off(
    'B12',
    '10.B',
    'the wrap is installed after a stale-DEK no-op cutover',
    "no switch yet: the stale-DEK no-op needs a raft rotation to land between the Enable RPC's sidecar read and its marker; the RotateDEK RPC runs under the same semaphore, so only rotate-on-startup (a millisecond window at a leader's start) could race it, too narrow for a harness to hit",
  ),
  on(
    'B13',
    '10.B',
    'encryption',
    'raft-cutover replay checks the stale DEK before "already active"',
    'Phase 2, RotateDEK(raft), restart before a snapshot covers the marker, let the restarted node lead: it proposes cleartext, every replica halts (I5; HALT)',
  ),
  off(
    'B14',
    '10.B',
    "the wrap installer is keyed to the replayed payload's DEK instead of the current active raft DEK",
    "no switch yet: the node installs the wrap from the sidecar's (cutover, active.raft) at startup and never re-delivers an applied marker, so the replayed payload never reaches the installer outside the B13 model",
  ),
  on(
    'B15',
    '10.B',
    'encryption',
    'enable-storage-envelope flips the sidecar before the proposer registration',
    'kill -9 during the apply of the storage cutover, restart: the proposer refuses to boot (ErrLocalEpochRollback, missing row) for good (I6/I7; STUCK at boot)',
  ),
  on(
    'B16',
    '10.B',
    'encryption',
    '`Wrapped == nil` instead of a length check on the cutover markers',
    'enable Phase 1: every replica halts at the marker (I4; HALT)',
  ),
  on(
    'B17',
    '10.B',
    'encryption',
    'a stale-DEK cutover halts instead of being a benign no-op',
    'RotateDEK racing an Enable*Envelope: every replica halts at the stale marker (I10; HALT)',
  ),
  off(
    'B18',
    '10.B',
    'sub-tag 0x01 reused for the cutover',
    'a wire-format choice, not a code path: switching it would need a second encoding of the marker that the emulated older stages would also have to decode; the older-stage halt on an unknown sub-tag is already observable with --stage',
  ),
  off(
    'B19',
    '10.B',
    'only one site of the two-site sub-tag whitelist updated',
    'the node keeps one whitelist (rotationSubtagsFor) used by both the decoder and the applier, so there is no second site to forget',
  ),
  off(
    'B20',
    '10.B',
    'the node-local mutator gate versus a mixed-version or misconfigured cluster',
    'the node-local gate is the production [CODE] behaviour the node already has; the halt of an under-configured node is reachable with --stage and flags, there is no fixed version to switch back from',
  ),
  on(
    'B21',
    '10.B',
    'server',
    'the capability gate probes voters only',
    'an old-stage or KEK-less learner during a cutover: the Enable RPC succeeds and the learner halts or diverges (I9; HALT/DIVERGE)',
  ),
  off(
    'B22',
    '10.B',
    'capability gated on active.storage != 0',
    'the node runs the fan-out only inside the Enable RPCs, after the bootstrap (spec H8), so the gate cannot deadlock against its own bootstrap here',
  ),
  on(
    'B23',
    '10.B',
    'encryption',
    'the local_epoch rollback guards are disabled',
    'stop a node, copy an older sidecar over the current one, restart: it starts and reuses nonces (I2; NONCE) instead of refusing with ErrLocalEpochRollback',
  ),
  on(
    'B24',
    '10.B',
    'server',
    'the epoch bump placed after the engine replay',
    "kill -9 with committed-but-unapplied entries, restart: replayed applies reuse the previous load's epoch (I2; NONCE)",
  ),
  on(
    'B25',
    '10.B',
    'encryption',
    'a counter nonce without an epoch',
    "any restart after Phase 1: the new load repeats the first load's nonces (I2; NONCE)",
  ),
  on(
    'B26',
    '10.B',
    'encryption',
    'the keystore is not hydrated from the sidecar',
    'compact past the bootstrap, restart: reads and unwraps fail with unknown key id (I4; GCM/HALT)',
  ),
  on(
    'B27',
    '10.B',
    'encryption',
    'no downgrade guard for a sidecar present without the flag',
    'restart a node with --encryption-enabled removed: it starts and writes cleartext (I1/I8; PLAIN) instead of refusing',
  ),
  off(
    'B28',
    '10.B',
    'a wrong KEK on one node',
    'an operator fault, not a code bug: the harness injects it as a different --kek-file; no switch yet for the ErrKEKMismatch guard that catches it',
  ),
  off(
    'B29',
    '10.B',
    'a non-durable sidecar (no fsync or no directory fsync)',
    'needs a power-cut nemesis that drops unsynced page-cache writes; a kill -9 (the only crash a black-box harness on the local or docker backend has) keeps them, so a missing fsync is invisible',
  ),
  on(
    'B30',
    '10.B',
    'encryption',
    'a registration counted as "encryption relevant" by the sidecar-behind check',
    'after Phase 1 restart a node, then restart it again once its re-registration (0x03) has applied: the second start refuses with ErrSidecarBehindRaftLog, and so does every later one (STUCK at boot; a node that cannot restart), where the correct node starts',
  ),
  off(
    'B31',
    '10.B',
    'a direct-write path bypassing the coordinator gate',
    'the node has no direct-write path: every write goes through the coordinator and its gate, so there is nothing to bypass',
  ),
  off(
    'B32',
    '10.B',
    'the FSM-apply path gated on registration',
    "no switch yet: it needs a storage entry ordered before the applying node's own registration entry",
  ),
  off(
    'B33',
    '10.B',
    'missing MarkRegistered in the "already current" startup branch',
    'no switch yet: it would hold direct writes after every steady restart (STUCK)',
  ),
  off(
    'B34',
    '10.B',
    'the registration verifier treats a missing row as epoch 0',
    'no switch yet: it needs a node booted before a runtime bootstrap and cutover, then restarted',
  ),
  off(
    'B35',
    '10.B',
    'the registration verifier accepts last >= epoch',
    "theoretical NONCE risk only: the nonce factory is pinned to the load's epoch either way, so a black-box harness sees no difference",
  ),
  on(
    'B36',
    '10.B',
    'encryption',
    'rotation re-registration at the pinned epoch without carrying the epoch into the sidecar',
    "after Phase 1, restart a node once (so its pinned epoch is above 0), RotateDEK purpose storage, wait for every node's registration under the new DEK, then restart that node: it refuses to start with ErrLocalEpochRollback (sidecar epoch 0 below the registry's last_seen), every time (STUCK at boot) where the correct node starts",
  ),
  on(
    'B37',
    '10.B',
    'server',
    'a node-id16 collision found only by the apply, not by a read before proposing',
    "after bootstrap, AddLearner (or AddVoter) with a member id whose FNV-1a-64 low 16 bits equal an existing member's: the pre-registration is proposed and every replica halts applying it (I3; HALT, irrecoverable) where the correct node refuses the add with EncryptionFailedPrecondition naming ErrWriterUint16Collision",
  ),
  off(
    'B38',
    '10.B',
    'the shard id passed as full_node_id',
    'the node has one Raft group and no shard ids, so there is no shard id to pass by mistake',
  ),
  off(
    'B39',
    '10.B',
    'an unbounded batch count in the 0x04 decoder',
    'needs a crafted bootstrap entry, which only the test-only DebugProposeRaw can propose; the OOM would crash the process rather than show a catalogue symptom',
  ),
  on(
    'B40',
    '10.B',
    'kv',
    'the encryption opcode band is only 0x03–0x05',
    'propose a reserved 0x06 or 0x07 payload (the node itself never does: the harness needs --test-hooks and RaftAdmin/DebugProposeRaw): correct, every replica halts at it (I4, fail-closed); with the switch it goes to the legacy decoder, is answered as an error and skipped while the applied index advances on every replica (no halt: the silent skip of I4)',
  ),
  off(
    'B41',
    '10.B',
    'heuristic snapshot header versioning, headerless legacy treated as an error',
    'no switch yet: the snapshot reader has one versioned header path',
  ),
  on(
    'B42',
    '10.B',
    'kv',
    'the snapshot writer downgrades from v2 to v1',
    "none through this node's own paths: the writer downgrades only when its cutover source reads 0 after a non-zero value within one process, and this node's source (the raft runtime) never resets within a process, so every snapshot after the cutover stays v2 with or without the switch; the deviation is shown at the unit (kv-bug-switches.test.ts). A bug matrix must not expect to detect it",
  ),
  off(
    'B43',
    '10.B',
    'a value-byte discriminator, or no AAD binding of the value header or key',
    'the AAD binding is part of the one storage codec, and observing it needs a disk-tamper nemesis the harness does not have',
  ),
  off(
    'B44',
    '10.B',
    'an old binary reading enc_state bits as a tombstone',
    'the oldest emulated release is 6A, which already has the 9-byte header; a pre-Stage-2 binary is not emulated',
  ),
  on(
    'B45',
    '10.B',
    'server',
    'AlreadyExists on a retried Enable RPC',
    'retry EnableStorageEnvelope or EnableRaftEnvelope after it succeeded (a client timeout, then a retry): the retry fails with EncryptionFailedPrecondition "AlreadyExists" instead of OK with was_already_active=true and the original index (I10)',
  ),
  on(
    'B46',
    '10.B',
    'server',
    'concurrent cutover RPCs without the semaphore',
    'send two EnableStorageEnvelope (or EnableRaftEnvelope) calls at once: both answer was_already_active=false with the same index (the second reports a fresh success that was not its own) where the correct node answers one of them was_already_active=true (I10)',
  ),
  on(
    'B47',
    '10.B',
    'encryption',
    'the sidecar temp file inherits wide permissions',
    "after bootstrap, keys.json in a node's sidecar directory is world-readable (mode 0644 under the usual umask) where the correct node keeps it 0600; a startup bump rewrites it 0600 again, so look before a restart (an artifact check on the file mode)",
  ),
  on(
    'E1',
    '10.D',
    'encryption',
    'the raft cutover is recorded at index 0 (the applier is not given the index)',
    'enable Phase 2: the RPC reports success but status/GetSidecarState keep raft cutover index 0 and nothing is wrapped, so values written after the reported cutover are cleartext in the WAL (I1/I5; PLAIN); a retry proposes another marker instead of answering was_already_active (I10)',
  ),
  on(
    'E2',
    '10.D',
    'server',
    'Phase 2 accepted by a build that records the cutover but cannot wrap (a 6E-1 build)',
    'run one node with the switch (the old build), enable Phase 2 through a correct leader (it succeeds: the old build reports capable and records the cutover), then make the old-build node leader and write: it proposes cleartext above the cutover and every correct replica halts (I5; HALT); meanwhile it passes the wrapped entries it receives to the legacy decoder and skips them (I3; DIVERGE). Restarting it without the switch (the upgrade) does not undo the halts',
  ),
  on(
    'E5',
    '10.D',
    'server',
    'follower-forwarded writes are proposed by the leader without the wrap',
    'after Phase 2, send a write to a follower (it forwards it to the leader): the entry lands cleartext above the cutover, every replica halts at it (I5; HALT)',
  ),
  on(
    'E6',
    '10.D',
    'server',
    'the local_epoch bump runs before the startup guards that may refuse',
    "stop a node, restore an older sidecar (its storage epoch below the registry), restart it again and again: every refused start raises the sidecar's storage local_epoch by one (correct: unchanged), until the guard stops refusing; repeated long enough, ErrLocalEpochExhausted (I2; STUCK for good)",
  ),
  on(
    'E13',
    '10.D',
    'server',
    "the barrier's begin step waits for a signal that never comes",
    'enable Phase 2: EnableRaftEnvelope never returns before its deadline and user writes are refused with EnvelopeCutoverInProgress meanwhile, on every attempt (STUCK)',
  ),
  on(
    'E14',
    '10.D',
    'encryption',
    'the wrap is not reinstalled after a raft-DEK rotation past the cutover',
    "Phase 2, RotateDEK purpose raft (the RPC or --rotate-on-startup), then writes: raft entries above the rotation index still carry the old raft DEK's key id (envelope.keyId of the inspected raft-entry records) until the leader restarts, when the startup install takes the new DEK from the sidecar (I1: the rotation did nothing for the log; no halt, no error)",
  ),
  off(
    'E15',
    '10.D',
    'members added after Phase 2 are pre-registered for the storage DEK only',
    'masked in this node by the own-registration exemption (spec §3.4 (e), I6): a joiner without a pre-registered raft-DEK row registers itself at the same epoch 0 once its watcher runs (forwarded to the leader, or wrapped under the exemption when it leads), so the registry ends the same and the only trace is up to one watcher tick of WriterNotRegistered refusals on a joiner that leads, which a harness cannot tell from a slow election',
  ),
  on(
    'E16',
    '10.D',
    'server',
    'the raft-DEK epoch is bumped at every start, even before Phase 2',
    "bootstrap (and Phase 1), then restart a node k times before Phase 2: the raft DEK's local_epoch in its sidecar rises by k (correct: stays 0); burns the 16-bit epoch space (I2; slow STUCK)",
  ),
  on(
    'E17',
    '10.D',
    'server',
    'self-issued writer registrations use the barrier-exempt admin path',
    'restart a node or add a member during the Phase-2 cutover window: its registration is not held by the barrier, can land cleartext above the marker, and every replica halts (I5; HALT)',
  ),
  on(
    'E19',
    '10.D',
    'encryption',
    'an equal startup raft epoch accepted (part (b); part (a), barrier end not waking the drain waiters, has no counterpart: the only drain waiter is the cutover, which bounds its own wait)',
    "after Phase 2 stop a node that has led, lower the active raft DEK's local_epoch in its sidecar (keys.json) by one (a partial sidecar rollback), restart it and let it lead: it starts (correct: refuses with ErrLocalEpochRollback at startup step 9) and wraps at the epoch of its previous load, so (key id, nonce) pairs repeat with different ciphertext in the WAL (I2; NONCE)",
  ),
  on(
    'E21',
    '10.D',
    'server',
    'the wire local_epoch is narrowed from 32 to 16 bits without a range check',
    'send an admin request (RegisterEncryptionWriter, RotateDEK, Enable*) with a local_epoch >= 65536: it is accepted and the registry records epoch mod 65536 (I2; NONCE) instead of InvalidArgument ErrLocalEpochOutOfRange',
  ),
  on(
    'E22',
    '10.D',
    'server',
    'rotate-on-startup retries with the same key id after an ambiguous error',
    "make a --rotate-on-startup rotation fail ambiguously (its RotateDEK commits but the proposer's wait ends first: a short --proposal-timeout-ms on that node plus latency on its peer links, or a leader partition right after the append): the retry proposes the same DEK id with other key bytes and every replica that applied the first halts with ErrKeyConflict (I3/I4; HALT); correct: the retry draws a fresh id",
  ),
  on(
    'E23',
    '10.D',
    'server',
    'client writes are served before a requested startup rotation finished',
    "restart the leader with --rotate-on-startup, let it lead again and write to it at once: writes are accepted while the rotation is pending (correct: refused with MutatorsBlocked until it is done), their applied index is below the rotation entry's, and their MVCC records carry the old storage DEK's key id (I1; visible in the inspected store)",
  ),
  off(
    'E25',
    '10.D',
    'registry and sidecar projections served without an applied-index fence',
    "no switch yet: GetSidecarState reads the sidecar and the applied index in one synchronous step and retries while an encryption entry is mid-apply (encryption-admin-sidecar-state.ts); without that fence a reading is stale only inside the sub-millisecond window of an encryption entry's apply, which a harness sampling status cannot hit often enough to detect",
  ),
] as const satisfies readonly BugEntry[];

/** Every catalogued bug, in catalogue order. */
export const bugCatalogue: readonly BugEntry[] = Object.freeze(entries.map((entry) => Object.freeze(entry)));

/** An id the node can switch on with `--bug`. */
export type ExpressibleBugId = Extract<(typeof entries)[number], { readonly expressible: true }>['id'];

/** The expressible ids, in catalogue order. */
export const expressibleBugIds: readonly ExpressibleBugId[] = Object.freeze(
  entries
    .filter((entry): entry is Extract<(typeof entries)[number], { readonly expressible: true }> => entry.expressible)
    .map((entry) => entry.id),
);

const byId: ReadonlyMap<string, BugEntry> = new Map(bugCatalogue.map((entry) => [entry.id, entry]));

/** The catalogue entry of `id` (upper-case, `B7`), or undefined. */
export function bugEntry(id: string): BugEntry | undefined {
  return byId.get(id);
}

/** Outcome of resolving one `--bug` item. */
export type BugIdResolution =
  { readonly ok: true; readonly id: ExpressibleBugId } | { readonly ok: false; readonly message: string };

/**
 * Resolves one `--bug` item: the id, case-insensitive, optionally followed by
 * a descriptive slug (`b7`, `B7-wrap-not-restored`, `e14`). Unknown ids and
 * catalogued ids the node cannot express are refused with a message naming
 * the item (and why, or the valid ids).
 */
export function resolveBugId(text: string): BugIdResolution {
  const valid = `valid ids: ${expressibleBugIds.join(',')}`;
  const match = /^([be]\d+)(?:-[a-z0-9-]+)?$/i.exec(text.trim());
  const entry = match === null ? undefined : byId.get(match[1]!.toUpperCase());
  if (entry === undefined) return { ok: false, message: `unknown catalogued bug '${text}'; ${valid}` };
  if (!entry.expressible)
    return {
      ok: false,
      message: `catalogued bug ${entry.id} cannot be switched on in the reference node: ${entry.why}; ${valid}`,
    };
  return { ok: true, id: entry.id as ExpressibleBugId };
}
