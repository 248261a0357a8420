/**
 * `ekv-admin encryption …`: the EncryptionAdmin RPCs from a shell (spec §6),
 * including DEK generation: bootstrap and rotate-dek draw fresh DEKs and wrap
 * them under the KEK file, so no raw key ever appears on a command line.
 * Proposer defaults come from the target node (its full id, and its own
 * registry row for the DEK, so a default never proposes a lower epoch).
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import {
  createAdminClient,
  createEncryptionAdminClient,
  generateWrappedDek,
  loadKekFile,
  nextDekId,
  type EncryptionAdminClient,
  type SidecarStateReport,
  type WriterEntry,
} from '../../proto/index.js';

/** Output of one command. */
export interface EncryptionCommandResult {
  readonly lines: readonly string[];
  readonly exitCode: number;
}

/** An encryption command run against the node at `addr`. */
export type EncryptionAction = (addr: string, timeoutMs: number) => Promise<EncryptionCommandResult>;

const ok = (...lines: string[]): EncryptionCommandResult => ({ lines, exitCode: 0 });
const usage = (message: string): CommanderError => new CommanderError(2, 'ekv-admin.encryption', message);

async function withClient<T>(addr: string, use: (client: EncryptionAdminClient) => Promise<T>): Promise<T> {
  const client = createEncryptionAdminClient(addr);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** `FULL:EPOCH` with a non-zero uint64 full id and an epoch <= 0xFFFF. */
function parseWriter(text: string): WriterEntry {
  const match = /^(\d{1,20}):(\d{1,5})$/.exec(text);
  const full = match === null ? 0n : BigInt(match[1]!);
  const epoch = match === null ? -1 : Number(match[2]);
  if (full === 0n || full >= 1n << 64n || epoch < 0 || epoch > 0xffff)
    throw usage(`--writer: expected FULL_ID:EPOCH (non-zero uint64, epoch <= 65535), got '${text}'`);
  return { fullNodeId: full.toString(), localEpoch: epoch };
}

function parseUint(text: string | undefined, flag: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > max) throw usage(`${flag}: expected a whole number up to ${max}, got '${text}'`);
  return n;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Repeatable and comma-separated (`--discover-from A,B --discover-from C`), without duplicates. */
const collectAddresses = (value: string, previous: string[] = []): string[] => {
  const added = value.split(',').map((a) => a.trim());
  if (added.some((a) => !/^[^\s:]+:\d{1,5}$/.test(a)))
    throw usage(`--discover-from: expected HOST:PORT[,HOST:PORT…], got '${value}'`);
  return [...new Set([...previous, ...added])];
};

/** Polls GetCapability on every address (§3.4 (a)); every one must be capable with a non-zero id. */
async function discoverWriters(addresses: readonly string[], timeoutMs: number): Promise<WriterEntry[]> {
  return Promise.all(
    addresses.map((address) =>
      withClient(address, async (client) => {
        const cap = await client.getCapability({}, { timeoutMs });
        if (!cap.encryptionCapable || cap.fullNodeId === '0')
          throw new Error(`${address} is not encryption-capable (start it with --sidecar-path)`);
        return { fullNodeId: cap.fullNodeId, localEpoch: cap.localEpoch };
      }),
    ),
  );
}

/** The proposer fields: explicit flags, or the target's full id and its own registry row for `dekId`. */
async function proposer(
  client: EncryptionAdminClient,
  timeoutMs: number,
  dekId: number,
  flags: { proposerNodeId?: string; proposerLocalEpoch?: string },
): Promise<{ proposerNodeId: string; proposerLocalEpoch: number }> {
  const full = flags.proposerNodeId ?? (await client.getCapability({}, { timeoutMs })).fullNodeId;
  let epoch = parseUint(flags.proposerLocalEpoch, '--proposer-local-epoch', 0xffff);
  if (epoch === undefined) {
    const state = await client.getSidecarState({}, { timeoutMs });
    epoch = state.writerRegistryForCaller[String(dekId)];
    if (epoch === undefined)
      throw new Error(
        `no registry row of this node for DEK ${dekId} (is --addr the leader?); pass --proposer-local-epoch`,
      );
  }
  return { proposerNodeId: full, proposerLocalEpoch: epoch };
}

/** Where the registry rows of a status came from. */
type RegistrySource = 'node' | `leader ${string}` | `unavailable: ${string}`;

/**
 * The contacted node's own registry rows. GetSidecarState fills them only on
 * the leader (spec §6: a linearizable read); for a follower, the leader's
 * ResyncSidecar projects the same rows for the follower's full id.
 */
async function registryRows(
  addr: string,
  state: SidecarStateReport,
  timeoutMs: number,
): Promise<{ rows: Readonly<Record<string, number>>; source: RegistrySource }> {
  const admin = createAdminClient(addr);
  let status;
  try {
    status = await admin.status({}, { timeoutMs });
  } finally {
    admin.close();
  }
  if (status.role === 'leader') return { rows: state.writerRegistryForCaller, source: 'node' };
  if (status.leaderAddress === '') return { rows: {}, source: 'unavailable: no known leader' };
  const resync = await withClient(status.leaderAddress, (c) =>
    c.resyncSidecar({ callerFullNodeId: status.fullNodeId }, { timeoutMs }),
  );
  return { rows: resync.writerRegistryForCaller, source: `leader ${status.leaderAddress}` };
}

async function statusOf(addr: string, timeoutMs: number): Promise<EncryptionCommandResult> {
  const state = await withClient(addr, (c) => c.getSidecarState({}, { timeoutMs }));
  const registry = await registryRows(addr, state, timeoutMs);
  return ok(...stateLines({ ...state, writerRegistryForCaller: registry.rows }, registry.source));
}

function stateLines(state: SidecarStateReport, registrySource: RegistrySource): string[] {
  return [
    JSON.stringify({
      keyIds: Object.keys(state.wrappedDeksById)
        .map(Number)
        .sort((a, b) => a - b),
      activeStorageId: state.activeStorageId,
      activeRaftId: state.activeRaftId,
      storageEnvelopeActive: state.storageEnvelopeActive,
      storageEnvelopeCutoverIndex: state.storageEnvelopeCutoverIndex,
      raftEnvelopeCutoverIndex: state.raftEnvelopeCutoverIndex,
      latestAppliedIndex: state.latestAppliedIndex,
      sidecarVersion: state.sidecarVersion,
      localEpochs: state.localEpochs,
      writerRegistryForCaller: state.writerRegistryForCaller,
      registrySource,
    }),
  ];
}

/** Adds `encryption <sub>` commands; `run` receives the action to execute after parsing. */
export function defineEncryptionCommands(program: Command, run: (action: EncryptionAction) => void): void {
  const group = program
    .command('encryption')
    .description('encryption rollout: capability, status, bootstrap, rotate-dek, register-writer, enable-*');
  group
    .command('capability')
    .description('GetCapability of the node (JSON)')
    .action(() =>
      run((addr, t) => withClient(addr, async (c) => ok(JSON.stringify(await c.getCapability({}, { timeoutMs: t }))))),
    );
  group
    .command('status')
    .description(
      'GetSidecarState of the node, plus its registry rows (from the leader when it follows); JSON, key ids without key material',
    )
    .option('--json', "JSON output (always; accepted because scripts pass it, issue 5's command-line contract)")
    .action(() => run(statusOf));
  group
    .command('bootstrap')
    .description('generate storage and raft DEKs, wrap them under the KEK, propose the bootstrap batch')
    .requiredOption('--kek-file <path>', 'the cluster KEK file (32 raw bytes, mode 0600)')
    .option('--storage-dek-id <n>', 'storage DEK id', '1')
    .option('--raft-dek-id <n>', 'raft DEK id', '2')
    .option('--writer <full:epoch>', 'a member (repeatable)', collect)
    .option(
      '--discover-from <addrs>',
      'probe members with GetCapability (HOST:PORT, comma-separated or repeatable)',
      collectAddresses,
    )
    .action(
      (o: { kekFile: string; storageDekId: string; raftDekId: string; writer?: string[]; discoverFrom?: string[] }) => {
        const storageDekId = parseUint(o.storageDekId, '--storage-dek-id', 0xffff_ffff)!;
        const raftDekId = parseUint(o.raftDekId, '--raft-dek-id', 0xffff_ffff)!;
        if (storageDekId === 0 || raftDekId === 0 || storageDekId === raftDekId)
          throw usage('--storage-dek-id and --raft-dek-id must be non-zero and different');
        const explicit = (o.writer ?? []).map(parseWriter);
        if (explicit.length === 0 && (o.discoverFrom ?? []).length === 0)
          throw usage('bootstrap needs --writer or --discover-from');
        run(async (addr, t) => {
          // The KEK first: a local failure refuses before any node is contacted.
          const kek = await loadKekFile(o.kekFile);
          const writerBatch = [...explicit, ...(await discoverWriters(o.discoverFrom ?? [], t))];
          const request = {
            wrappedStorageDek: generateWrappedDek(kek).wrapped,
            wrappedRaftDek: generateWrappedDek(kek).wrapped,
            storageDekId,
            raftDekId,
            writerBatch,
          };
          const response = await withClient(addr, (c) => c.bootstrapEncryption(request, { timeoutMs: t }));
          return ok(
            `OK applied_index=${response.appliedIndex} storage_dek_id=${storageDekId} raft_dek_id=${raftDekId} writers=${writerBatch.length}`,
          );
        });
      },
    );
  group
    .command('rotate-dek')
    .description('generate a new DEK for a purpose, wrap it under the KEK, propose the rotation')
    .requiredOption('--kek-file <path>', 'the cluster KEK file')
    .requiredOption('--purpose <storage|raft>', 'which DEK to rotate')
    .option('--new-dek-id <n>', 'default: max(existing ids) + 1')
    .option('--proposer-node-id <full>', 'default: the target node')
    .option('--proposer-local-epoch <n>', "default: the target's registry row")
    .action(
      (o: {
        kekFile: string;
        purpose: string;
        newDekId?: string;
        proposerNodeId?: string;
        proposerLocalEpoch?: string;
      }) => {
        if (o.purpose !== 'storage' && o.purpose !== 'raft')
          throw usage(`--purpose: expected storage or raft, got '${o.purpose}'`);
        const explicitId = parseUint(o.newDekId, '--new-dek-id', 0xffff_ffff);
        run((addr, t) =>
          withClient(addr, async (c) => {
            const kek = await loadKekFile(o.kekFile);
            const state = await c.getSidecarState({}, { timeoutMs: t });
            const newDekId = explicitId ?? nextDekId(Object.keys(state.wrappedDeksById).map(Number));
            const current = o.purpose === 'storage' ? state.activeStorageId : state.activeRaftId;
            // The proposer row targets the new DEK; its epoch is this node's epoch (taken from its row for the current DEK).
            const who = await proposer(c, t, current, o);
            const purpose = o.purpose === 'storage' ? 'DEK_PURPOSE_STORAGE' : 'DEK_PURPOSE_RAFT';
            const response = await c.rotateDek(
              { purpose, wrappedNewDek: generateWrappedDek(kek).wrapped, newDekId, ...who },
              { timeoutMs: t },
            );
            return ok(`OK applied_index=${response.appliedIndex} new_dek_id=${newDekId}`);
          }),
        );
      },
    );
  group
    .command('register-writer')
    .description('propose one writer registration')
    .requiredOption('--dek-id <n>', 'the DEK')
    .requiredOption('--writer <full:epoch>', 'the writer')
    .action((o: { dekId: string; writer: string }) => {
      const dekId = parseUint(o.dekId, '--dek-id', 0xffff_ffff)!;
      const writer = parseWriter(o.writer);
      run((addr, t) =>
        withClient(addr, async (c) =>
          ok(
            `OK applied_index=${(await c.registerEncryptionWriter({ dekId, writers: [writer] }, { timeoutMs: t })).appliedIndex}`,
          ),
        ),
      );
    });
  const enable = (name: string, method: string, purpose: 'storage' | 'raft'): void => {
    group
      .command(name)
      .description(`${method} (run it against the leader)`)
      .option('--proposer-node-id <full>', 'default: the target node')
      .option('--proposer-local-epoch <n>', "default: the target's registry row for the active DEK")
      .action((o: { proposerNodeId?: string; proposerLocalEpoch?: string }) =>
        run((addr, t) =>
          withClient(addr, async (c) => {
            const state = await c.getSidecarState({}, { timeoutMs: t });
            const who = await proposer(c, t, purpose === 'storage' ? state.activeStorageId : state.activeRaftId, o);
            const response =
              purpose === 'storage'
                ? await c.enableStorageEnvelope(who, { timeoutMs: t })
                : await c.enableRaftEnvelope(who, { timeoutMs: t });
            return ok(
              `OK applied_index=${response.appliedIndex} was_already_active=${response.wasAlreadyActive} members_checked=${response.capabilitySummary.length}`,
            );
          }),
        ),
      );
  };
  enable('enable-storage-envelope', 'EnableStorageEnvelope', 'storage');
  enable('enable-raft-envelope', 'EnableRaftEnvelope', 'raft');
}
