/**
 * `ekv-admin --addr HOST:PORT <command>`: the node's admin and KV RPCs from a
 * shell (`encryption …` for the rollout RPCs). Exit 0 on success, answers on
 * stdout; 1 with one line on stderr when the command failed: `error: <Name>
 * (<code>, definite|indefinite): message` for a failed call (connection
 * errors included), `error: message` for a local failure (a KEK file, a
 * missing registry row); a CAS whose compare failed prints its answer and
 * exits 1; 2 for a bad command line.
 * `ekv-admin inspect <data-dir>` is offline (no `--addr`; see inspect-command.ts).
 */
import { Command, CommanderError } from 'commander';
import { defineEncryptionCommands, type EncryptionAction } from './encryption-commands.js';
import { defineInspectCommand, type OfflineAction } from './inspect-command.js';
import {
  classifyError,
  createAdminClient,
  createKvClient,
  RpcError,
  type AdminClient,
  type KvClient,
  type StatusResponse,
} from '../../proto/index.js';

/** Output of one command: lines for stdout and the exit code. */
interface CommandResult {
  readonly lines: readonly string[];
  readonly exitCode: number;
}

interface Globals {
  readonly addr?: string;
  readonly timeoutMs: string;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function statusLines(status: StatusResponse, json: boolean): string[] {
  if (json) return [JSON.stringify(status)];
  const members = status.members
    .map((m) => `${m.id}@${m.address}(${m.suffrage}${m.matchIndex > 0 ? ` match=${m.matchIndex}` : ''})`)
    .join(' ');
  return [
    `id=${status.id} role=${status.role} term=${status.term} leader=${status.leader || '-'} leaderAddress=${status.leaderAddress || '-'}`,
    `commitIndex=${status.commitIndex} appliedIndex=${status.appliedIndex} lastIndex=${status.lastIndex} snapshotIndex=${status.snapshotIndex}`,
    `halted=${status.halted}${status.halted ? ` haltIndex=${status.haltIndex} haltReason=${status.haltReason}` : ''} stage=${status.stage} bugs=${status.bugs.join(',') || '-'}`,
    `members: ${members}`,
  ];
}

type Action = (kv: KvClient, admin: AdminClient, timeoutMs: number, addr: string) => Promise<CommandResult>;

const ok = (...lines: string[]): CommandResult => ({ lines, exitCode: 0 });

function defineCommands(program: Command, run: (action: Action) => void): void {
  program
    .command('status')
    .option('--json', 'one JSON object')
    .description('show the node status')
    .action((options: { json?: boolean }) =>
      run(async (_kv, admin, timeoutMs) =>
        ok(...statusLines(await admin.status({}, { timeoutMs }), options.json === true)),
      ),
    );
  program
    .command('get <key>')
    .description('linearizable read')
    .action((key: string) =>
      run(async (kv, _admin, timeoutMs) => {
        const response = await kv.get({ key: utf8(key) }, { timeoutMs });
        return response.found ? ok(text(response.value)) : { lines: ['(not found)'], exitCode: 0 };
      }),
    );
  program
    .command('put <key> <value>')
    .description('write a value')
    .action((key: string, value: string) =>
      run(async (kv, _admin, timeoutMs) =>
        ok(`OK applied_index=${(await kv.put({ key: utf8(key), value: utf8(value) }, { timeoutMs })).appliedIndex}`),
      ),
    );
  program
    .command('delete <key>')
    .description('delete a key')
    .action((key: string) =>
      run(async (kv, _admin, timeoutMs) => {
        const response = await kv.delete({ key: utf8(key) }, { timeoutMs });
        return ok(`OK existed=${response.existed} applied_index=${response.appliedIndex}`);
      }),
    );
  program
    .command('cas <key> <values...>')
    .description('compare-and-set: cas KEY OLD NEW, or cas KEY --absent NEW')
    .option('--absent', 'the compare succeeds iff KEY is absent')
    .action((key: string, values: string[], options: { absent?: boolean }) => {
      const absent = options.absent === true;
      if (values.length !== (absent ? 1 : 2))
        throw new CommanderError(
          2,
          'ekv-admin.cas',
          absent ? 'cas KEY --absent NEW takes one value' : 'cas KEY OLD NEW takes two values',
        );
      const [old, next] = absent ? ['', values[0]!] : [values[0]!, values[1]!];
      run(async (kv, _admin, timeoutMs) => {
        const response = await kv.compareAndSet(
          { key: utf8(key), expectAbsent: absent, expected: utf8(old), newValue: utf8(next) },
          { timeoutMs },
        );
        if (response.succeeded) return ok(`OK applied_index=${response.appliedIndex}`);
        const current = response.currentFound ? JSON.stringify(text(response.current)) : 'absent';
        return { lines: [`cas failed: compare mismatch (current value is ${current})`], exitCode: 1 };
      });
    });
  const membership = (
    name: string,
    call: (admin: AdminClient, id: string, address: string, timeoutMs: number) => Promise<{ appliedIndex: number }>,
    withAddress: boolean,
  ): void => {
    program
      .command(withAddress ? `${name} <id> <addr>` : `${name} <id>`)
      .description(`${name} a server`)
      .action((id: string, address?: string) =>
        run(async (_kv, admin, timeoutMs) =>
          ok(`OK applied_index=${(await call(admin, id, address ?? '', timeoutMs)).appliedIndex}`),
        ),
      );
  };
  membership('add-learner', (a, id, address, timeoutMs) => a.addLearner({ id, address }, { timeoutMs }), true);
  membership('add-voter', (a, id, address, timeoutMs) => a.addVoter({ id, address }, { timeoutMs }), true);
  membership('promote', (a, id, _address, timeoutMs) => a.promote({ id }, { timeoutMs }), false);
  membership('remove', (a, id, _address, timeoutMs) => a.removeServer({ id }, { timeoutMs }), false);
  program
    .command('transfer-leadership <id>')
    .description('hand leadership to a voter')
    .action((id: string) =>
      run(async (_kv, admin, timeoutMs) => {
        const response = await admin.transferLeadership({ id }, { timeoutMs });
        return ok(`OK leader=${response.leader} term=${response.term}`);
      }),
    );
}

/** One line for a failed command: the registry classification of a failed call, the message of anything else. */
function errorLine(error: unknown): string {
  if (!(error instanceof RpcError)) return `error: ${error instanceof Error ? error.message : String(error)}`;
  const c = classifyError(error);
  return `error: ${c.spec.name} (${c.spec.code}, ${c.definite ? 'definite' : 'indefinite'}): ${c.message}${c.leaderHint ? ` [leader ${c.leaderHint.leaderId} at ${c.leaderHint.leaderAddress}]` : ''}`;
}

/** Runs one admin command; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let pending: Action | undefined;
  let offline: OfflineAction | undefined;
  let output = '';
  const program = new Command('ekv-admin')
    .description('Talk to an ekv-node: status, KV operations, membership changes.')
    .option('--addr <host:port>', 'node address (required by every command but inspect)')
    .option('--timeout-ms <n>', 'deadline of the call', '10000')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        output += s;
      },
      writeErr: (s) => {
        output += s;
      },
    });
  defineCommands(program, (action) => {
    pending = action;
  });
  defineEncryptionCommands(program, (action: EncryptionAction) => {
    pending = (_kv, _admin, timeoutMs, addr) => action(addr, timeoutMs);
  });
  defineInspectCommand(program, (action) => {
    offline = action;
  });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      (error.exitCode === 0 ? process.stdout : process.stderr).write(
        error.exitCode === 0 ? output : `ekv-admin: ${error.message.replace(/^error: /, '')}\n`,
      );
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  if (offline !== undefined) return offline();
  const globals = program.opts<Globals>();
  const timeoutMs = Number(globals.timeoutMs);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    process.stderr.write(`ekv-admin: --timeout-ms: expected a positive whole number, got '${globals.timeoutMs}'\n`);
    return 2;
  }
  if (globals.addr === undefined) {
    process.stderr.write(`ekv-admin: required option '--addr <host:port>' not specified\n`);
    return 2;
  }
  if (!/^[^\s:]+:\d{1,5}$/.test(globals.addr)) {
    process.stderr.write(`ekv-admin: --addr: expected HOST:PORT, got '${globals.addr}'\n`);
    return 2;
  }
  if (pending === undefined) {
    process.stderr.write(`ekv-admin: missing command (see --help)\n`);
    return 2;
  }
  const kv = createKvClient(globals.addr);
  const admin = createAdminClient(globals.addr);
  try {
    const result = await pending(kv, admin, timeoutMs, globals.addr);
    for (const line of result.lines) process.stdout.write(`${line}\n`);
    return result.exitCode;
  } catch (error) {
    process.stderr.write(`${errorLine(error)}\n`);
    return 1;
  } finally {
    kv.close();
    admin.close();
  }
}
