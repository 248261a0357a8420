/**
 * Test support: interprets the Raft scenario scripts of ../testdata/*.txt.
 *
 * A script is a sequence of blocks: optional `#` comment lines, a command
 * line starting with `> `, and the expected output (until the next block).
 * Nodes are named `n1`… (a bare number N means nN). Commands:
 *
 *   add-nodes N [prevote=on|off] [checkquorum=on|off] [election=T]
 *                                   bootstrap voters n1..nN
 *   join ID                         start an empty node that waits to be added
 *   campaign ID | tick ID [xK] | tick-all [xK]
 *   deliver [K]                     deliver K queued messages (default: until quiet)
 *   stabilize [K]                   K rounds (default 1) of: deliver until quiet
 *   propose ID "data"               propose (prints the index or the typed refusal)
 *   add-voter ID NODE | add-learner ID NODE | promote ID NODE | remove ID NODE
 *                                   propose a conf change on ID
 *   transfer-leader ID TARGET | read-index ID REQUEST-ID
 *   partition A B | C D             cut every link between the groups
 *   heal | crash ID | restart ID
 *   compact ID                      snapshot at the applied index and compact
 *   report-snapshot ID NODE finish|failure | report-unreachable ID NODE
 *   status ID | log ID | values ID | queue
 *
 * Output is the Ready text (describeReady) of every node that produced one,
 * prefixed with its id, plus the command's own lines; `ok` when silent.
 */
import { describeEntry, describeMessage } from '../describe.js';
import { isRaftError } from '../errors.js';
import { asNodeId, type ConfChangeType } from '../types.js';
import { SimCluster } from './sim-cluster.js';

const utf8 = new TextEncoder();

/** One parsed block of a scenario script. */
export interface ScenarioBlock {
  readonly comments: readonly string[];
  readonly command: string;
  readonly expected: string;
}

/** Splits a script into blocks. */
export function parseScenario(text: string): ScenarioBlock[] {
  const blocks: ScenarioBlock[] = [];
  let comments: string[] = [];
  let current: { comments: string[]; command: string; output: string[] } | null = null;
  const flush = (): void => {
    if (current !== null) {
      blocks.push({
        comments: current.comments,
        command: current.command,
        expected: trimBlank(current.output).join('\n'),
      });
    }
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('> ')) {
      flush();
      current = { comments, command: line.slice(2).trim(), output: [] };
      comments = [];
    } else if (line.startsWith('#')) {
      // Output never starts with '#': a comment always opens the next block's preamble.
      if (current !== null) {
        flush();
        current = null;
      }
      comments.push(line);
    } else if (current !== null) {
      current.output.push(line);
    }
  }
  flush();
  return blocks;
}

function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end);
}

/** Renders blocks back into a script (used to rewrite expectations). */
export function formatScenario(
  blocks: readonly { comments: readonly string[]; command: string; output: string }[],
): string {
  return `${blocks.map((b) => [...b.comments, `> ${b.command}`, b.output].join('\n')).join('\n\n')}\n`;
}

function nodeName(token: string | undefined): string {
  if (token === undefined) throw new Error('missing node id');
  return /^\d+$/.test(token) ? `n${token}` : token;
}

function repeatCount(token: string | undefined): number {
  if (token === undefined) return 1;
  const match = /^x(\d+)$/.exec(token);
  if (match === null) throw new Error(`expected xK, got ${token}`);
  return Number(match[1]);
}

/** Splits a command line into tokens; "double quoted" tokens keep their spaces. */
function tokenize(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Runs scenario commands against one simulated cluster. */
export class ScenarioRunner {
  private cluster: SimCluster | null = null;

  private get c(): SimCluster {
    if (this.cluster === null) throw new Error('no cluster: start with add-nodes');
    return this.cluster;
  }

  /** Executes one command line and returns its output text. */
  run(line: string): string {
    const out: string[] = [];
    const [command, ...args] = tokenize(line);
    try {
      this.execute(command ?? '', args, out);
    } catch (error) {
      if (!isRaftError(error)) throw error;
      out.push(`error: ${error.message}`);
    }
    const lines = [...(this.cluster?.trace.splice(0) ?? []), ...out];
    return lines.length === 0 ? 'ok' : lines.join('\n');
  }

  private execute(command: string, args: string[], out: string[]): void {
    switch (command) {
      case 'add-nodes':
        this.addNodes(args);
        return;
      case 'join':
        this.c.addJoiner(nodeName(args[0]));
        return;
      case 'campaign':
        this.withNode(args[0], (id) => this.c.get(id).node.campaign());
        return;
      case 'tick':
        this.c.tick(nodeName(args[0]), repeatCount(args[1]));
        return;
      case 'tick-all':
        for (let i = repeatCount(args[0]); i > 0; i--) for (const id of this.c.ids()) this.c.tick(id);
        return;
      case 'deliver':
        this.deliver(args[0] === undefined ? Number.POSITIVE_INFINITY : Number(args[0]), out);
        return;
      case 'stabilize':
        for (let i = args[0] === undefined ? 1 : Number(args[0]); i > 0; i--)
          this.deliver(Number.POSITIVE_INFINITY, out);
        return;
      case 'propose':
        this.withNode(args[0], (id) =>
          out.push(`proposed at index ${this.c.get(id).node.propose(utf8.encode(args[1] ?? ''))}`),
        );
        return;
      case 'add-voter':
      case 'add-learner':
      case 'promote':
      case 'remove':
        this.confChange(command, args, out);
        return;
      default:
        this.executeMore(command, args, out);
    }
  }

  private executeMore(command: string, args: string[], out: string[]): void {
    const c = this.c;
    switch (command) {
      case 'transfer-leader':
        this.withNode(args[0], (id) => c.get(id).node.transferLeader(asNodeId(nodeName(args[1]))));
        return;
      case 'read-index':
        this.withNode(args[0], (id) => c.get(id).node.readIndex(args[1] ?? 'r'));
        return;
      case 'partition': {
        const groups: string[][] = [[]];
        for (const token of args) {
          if (token === '|') groups.push([]);
          else groups[groups.length - 1]!.push(nodeName(token));
        }
        c.partition(groups);
        return;
      }
      case 'heal':
        c.heal();
        return;
      case 'crash':
        c.crash(nodeName(args[0]));
        return;
      case 'restart':
        c.restart(nodeName(args[0]));
        return;
      case 'compact': {
        const sim = c.get(nodeName(args[0]));
        out.push(sim.compact() ? `compacted through ${sim.storage.snapshot().metadata.index}` : 'nothing to compact');
        return;
      }
      case 'report-snapshot':
        this.withNode(args[0], (id) =>
          c.get(id).node.reportSnapshot(asNodeId(nodeName(args[1])), args[2] === 'failure' ? 'failure' : 'finish'),
        );
        return;
      case 'report-unreachable':
        this.withNode(args[0], (id) => c.get(id).node.reportUnreachable(asNodeId(nodeName(args[1]))));
        return;
      default:
        this.inspect(command, args, out);
    }
  }

  private inspect(command: string, args: string[], out: string[]): void {
    const c = this.c;
    switch (command) {
      case 'status':
        out.push(...describeStatus(c, nodeName(args[0])));
        return;
      case 'log': {
        const sim = c.get(nodeName(args[0]));
        const entries = SimCluster.persistedLog(sim);
        out.push(`first ${sim.storage.firstIndex()} last ${sim.storage.lastIndex()}`);
        out.push(...entries.map(describeEntry));
        return;
      }
      case 'values': {
        const sim = c.get(nodeName(args[0]));
        out.push(`applied ${sim.appliedIndex}: [${sim.values.join(' ')}]`);
        for (const rs of sim.readStates.splice(0)) out.push(`read ${rs.requestId} at index ${rs.index}`);
        return;
      }
      case 'queue':
        out.push(...c.queue.map(describeMessage));
        return;
      default:
        throw new Error(`unknown scenario command "${command}"`);
    }
  }

  private withNode(token: string | undefined, call: (id: string) => void): void {
    const id = nodeName(token);
    call(id);
    this.c.settle(id);
  }

  private addNodes(args: string[]): void {
    const count = Number(args[0]);
    const options = Object.fromEntries(args.slice(1).map((a) => a.split('=') as [string, string]));
    this.cluster = new SimCluster({
      trace: true,
      // Deterministic timeouts: every node campaigns exactly electionTicks after losing its leader.
      randomFor: () => () => 0,
      node: {
        preVote: options.prevote !== 'off',
        checkQuorum: options.checkquorum !== 'off',
        electionTicks: Number(options.election ?? 10),
        maxEntriesPerMessage: Number(options.batch ?? 64),
      },
    });
    this.cluster.bootstrapVoters(Array.from({ length: count }, (_, i) => `n${i + 1}`));
  }

  private deliver(limit: number, out: string[]): void {
    const c = this.c;
    for (let n = 0; n < limit && c.queue.length > 0; n++) {
      if (n > 10_000) throw new Error('deliver: network did not quiesce');
      const m = c.queue[0]!;
      if (c.deliverAt(0) === null) out.push(`dropped: ${describeMessage(m)}`);
    }
  }

  private confChange(command: string, args: string[], out: string[]): void {
    const types: Record<string, ConfChangeType> = {
      'add-voter': 'addVoter',
      'add-learner': 'addLearner',
      promote: 'promote',
      remove: 'remove',
    };
    const type = types[command]!;
    this.withNode(args[0], (id) => {
      const index = this.c
        .get(id)
        .node.proposeConfChange({ type, nodeId: asNodeId(nodeName(args[1])), context: new Uint8Array(0) });
      out.push(`proposed ${type} ${nodeName(args[1])} at index ${index}`);
    });
  }
}

function describeStatus(c: SimCluster, id: string): string[] {
  const sim = c.get(id);
  const s = sim.node.status();
  const lines = [
    `${id}: ${sim.up ? '' : '(down) '}${s.role} term:${s.term} vote:${s.vote ?? '-'} lead:${s.lead ?? '-'} commit:${s.commit} applied:${s.applied} log:${s.firstIndex}..${s.lastIndex}`,
    `  voters:[${s.confState.voters.join(' ')}] learners:[${s.confState.learners.join(' ')}]${s.leadTransferee === null ? '' : ` transferring-to:${s.leadTransferee}`}`,
  ];
  for (const [peer, p] of Object.entries(s.progress)) {
    lines.push(
      `  ${peer}: match:${p.match} next:${p.next} ${p.state}${p.isLearner ? ' learner' : ''}${p.recentActive ? ' active' : ''} inflight:${p.inflight}`,
    );
  }
  return lines;
}
