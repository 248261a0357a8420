/**
 * Property tests: 3 bootstrapped voters and 2 joiners driven through a
 * simulated network by fast-check-generated schedules (ticks, message
 * delivery/drop/duplication/reordering, partitions, crash+restart, proposals,
 * conf changes, compaction, reads, transfers). Every step checks Raft's
 * safety properties (test/invariants.ts); after healing, a leader must be
 * elected and a proposal committed within a bounded number of ticks.
 *
 * A failure prints the command that reruns it from its seed and path
 * (test-support/fast-check-seed.setup.ts); EKV_RAFT_RUNS sets the number of
 * runs.
 *
 * No wall-clock limit: the property is synchronous, so vitest's timer cannot
 * fire while it runs and a timeout could only turn a finished, passing run
 * into a failure on a loaded machine (this test once failed that way, with no
 * seed to rerun). It cannot hang instead: the runs, the actions of a run, the
 * messages of a drain (SimCluster.deliverAll) and the rounds of the liveness
 * phase are all capped, and a cap that is hit fails the run loudly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRaftError } from './errors.js';
import { asNodeId, type ConfChangeType } from './types.js';
import { SimCluster } from './test/sim-cluster.js';

const nodeIds = ['n1', 'n2', 'n3', 'n4', 'n5'] as const;
const electionTicks = 5;
const livenessRoundsMax = 150;
const utf8 = new TextEncoder();

type RequestAction =
  | { readonly kind: 'campaign'; readonly node: number }
  | { readonly kind: 'propose'; readonly node: number }
  | { readonly kind: 'confChange'; readonly node: number; readonly type: ConfChangeType; readonly target: number }
  | { readonly kind: 'compact'; readonly node: number }
  | { readonly kind: 'readIndex'; readonly node: number }
  | { readonly kind: 'transfer'; readonly node: number; readonly target: number };

type Action =
  | RequestAction
  | { readonly kind: 'tick'; readonly node: number; readonly count: number }
  | { readonly kind: 'round'; readonly count: number }
  | { readonly kind: 'deliver'; readonly pick: number; readonly count: number }
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'duplicate'; readonly pick: number }
  | { readonly kind: 'partition'; readonly groups: readonly number[] }
  | { readonly kind: 'heal' }
  | { readonly kind: 'cutOneWay'; readonly from: number; readonly to: number }
  | { readonly kind: 'crash'; readonly node: number }
  | { readonly kind: 'restart'; readonly node: number };

const node = fc.integer({ min: 0, max: nodeIds.length - 1 });
/** Requests mostly go to whoever leads now (index ≥ nodeIds.length), sometimes to any node. */
const requestNode = fc.integer({ min: 0, max: nodeIds.length + 4 });
const pick = fc.integer({ min: 0, max: 1000 });
const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), node, count: fc.integer({ min: 1, max: 12 }) }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('round' as const), count: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('campaign' as const), node }) },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick, count: fc.integer({ min: 1, max: 30 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('partition' as const),
      groups: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'heal' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cutOneWay' as const), from: node, to: node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('propose' as const), node: requestNode }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('confChange' as const),
      node: requestNode,
      type: fc.constantFrom<ConfChangeType>('addVoter', 'addLearner', 'promote', 'remove'),
      target: node,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('compact' as const), node: requestNode }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readIndex' as const), node: requestNode }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const), node: requestNode, target: node }) },
);

/** Runs a call that the core may refuse with a typed error (expected during chaos). */
function tolerateRefusal(call: () => void): void {
  try {
    call();
  } catch (error) {
    if (!isRaftError(error)) throw error;
  }
}

/** The Raft options a run uses (varied too: both protections on is the default, not the only mode). */
interface RunOptions {
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly seed: number;
}

const runOptionsArbitrary: fc.Arbitrary<RunOptions> = fc.record({
  preVote: fc.boolean(),
  checkQuorum: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

class Run {
  readonly cluster: SimCluster;
  private proposals = 0;
  private reads = 0;
  /** Read request id → highest index known committed when it was issued. */
  private readonly readFloor = new Map<string, number>();

  constructor(options: RunOptions = { preVote: true, checkQuorum: true, seed: 1 }) {
    this.cluster = new SimCluster({
      node: {
        electionTicks,
        heartbeatTicks: 1,
        maxEntriesPerMessage: 3,
        maxInflightMessages: 4,
        preVote: options.preVote,
        checkQuorum: options.checkQuorum,
      },
      seed: options.seed,
      viaCodec: true,
      trace: process.env.EKV_RAFT_TRACE === '1',
    });
    this.cluster.bootstrapVoters(['n1', 'n2', 'n3']);
    this.cluster.addJoiner('n4');
    this.cluster.addJoiner('n5');
  }

  private idOf(index: number): string {
    return nodeIds[index] ?? 'n1';
  }

  private highestCommitted(): number {
    return Math.max(...[...this.cluster.nodes.values()].map((n) => n.storage.initialState().hardState.commit));
  }

  apply(action: Action): void {
    const c = this.cluster;
    switch (action.kind) {
      case 'tick':
        c.tick(this.idOf(action.node), action.count);
        break;
      case 'round':
        // A stretch of healthy operation: every node ticks, then the network drains (lossy only across cuts).
        for (let i = 0; i < action.count; i++) {
          for (const id of c.ids()) c.tick(id);
          c.deliverAll();
        }
        break;
      case 'deliver':
        for (let i = 0; i < action.count && c.queue.length > 0; i++) c.deliverAt((action.pick + i) % c.queue.length);
        break;
      case 'drop':
        if (c.queue.length > 0) c.dropAt(action.pick % c.queue.length);
        break;
      case 'duplicate':
        if (c.queue.length > 0) c.duplicateAt(action.pick % c.queue.length);
        break;
      case 'partition': {
        const groups: string[][] = [[], [], []];
        action.groups.forEach((g, i) => groups[g]?.push(this.idOf(i)));
        c.partition(groups);
        break;
      }
      case 'heal':
        c.heal();
        break;
      case 'cutOneWay':
        c.cutOneWay(this.idOf(action.from), this.idOf(action.to));
        break;
      case 'crash':
        c.crash(this.idOf(action.node));
        break;
      case 'restart':
        if (!c.get(this.idOf(action.node)).up) c.restart(this.idOf(action.node));
        break;
      case 'campaign':
      case 'propose':
      case 'confChange':
      case 'compact':
      case 'readIndex':
      case 'transfer':
        this.applyRequest(action);
        break;
    }
    this.checkReads();
  }

  private applyRequest(action: RequestAction): void {
    const id = action.node < nodeIds.length ? this.idOf(action.node) : (this.cluster.leaders()[0]?.id ?? 'n1');
    const sim = this.cluster.get(id);
    if (!sim.up) return;
    switch (action.kind) {
      case 'campaign':
        sim.node.campaign();
        break;
      case 'propose':
        tolerateRefusal(() => sim.node.propose(utf8.encode(`v${++this.proposals}`)));
        break;
      case 'confChange':
        tolerateRefusal(() =>
          sim.node.proposeConfChange({
            type: action.type,
            nodeId: asNodeId(this.idOf(action.target)),
            context: new Uint8Array(0),
          }),
        );
        break;
      case 'compact':
        sim.compact();
        break;
      case 'readIndex': {
        const requestId = `r${++this.reads}`;
        this.readFloor.set(requestId, this.highestCommitted());
        tolerateRefusal(() => sim.node.readIndex(requestId));
        break;
      }
      case 'transfer':
        tolerateRefusal(() => sim.node.transferLeader(asNodeId(this.idOf(action.target))));
        break;
    }
    this.cluster.settle(id);
  }

  /** A read index is never below what was committed when the read was issued (linearizable reads). */
  private checkReads(): void {
    for (const sim of this.cluster.nodes.values()) {
      for (const rs of sim.readStates.splice(0)) {
        const floor = this.readFloor.get(rs.requestId);
        if (floor !== undefined && rs.index < floor) {
          throw new Error(`ReadIndex ${rs.requestId} on ${sim.id} answered ${rs.index} < committed-at-issue ${floor}`);
        }
      }
    }
  }

  stats(length: number): void {
    const c = this.cluster;
    const terms = c.ids().map((id) => c.get(id).node.status().term);
    const commits = c.ids().map((id) => c.get(id).node.status().commit);
    const snaps = c.ids().map((id) => c.get(id).storage.snapshot().metadata.index);
    const cs = c.get('n1').confState;
    for (const [type, count] of c.delivered) totals.set(type, (totals.get(type) ?? 0) + count);
    totals.set('runs', (totals.get('runs') ?? 0) + 1);
    totals.set(`voters=${cs.voters.length}`, (totals.get(`voters=${cs.voters.length}`) ?? 0) + 1);
    if (cs.learners.length > 0) totals.set('withLearners', (totals.get('withLearners') ?? 0) + 1);
    if ((totals.get('runs') ?? 0) % 100 === 0) console.log([...totals].map(([k, v]) => `${k}:${v}`).join(' '));
    if (process.env.EKV_RAFT_STATS_VERBOSE === '1')
      console.log(
        `len ${length} terms ${terms.join(',')} commits ${commits.join(',')} snaps ${snaps.join(',')} voters ${cs.voters.join(',')} learners ${cs.learners.join(',')}`,
      );
  }

  /** Heals everything, then requires a leader and a committed proposal within livenessRoundsMax rounds. */
  checkLiveness(): void {
    const c = this.cluster;
    c.heal();
    for (const id of c.ids()) if (!c.get(id).up) c.restart(id);
    const value = 'liveness';
    // Re-proposed whenever leadership moves to a new term: an uncommitted proposal may be overwritten.
    let proposedInTerm = -1;
    let catchUpIndex = 0;
    for (let round = 0; round < livenessRoundsMax; round++) {
      for (const id of c.ids()) c.tick(id);
      c.deliverAll();
      // The newest leader: without check-quorum a removed node may believe forever that it leads an old term.
      const leader = c.leaders().sort((a, b) => b.node.status().term - a.node.status().term)[0];
      if (leader === undefined) continue;
      const status = leader.node.status();
      if (leader.values.includes(value)) {
        // Every member of the leader's configuration must catch up too (no stuck follower).
        if (catchUpIndex === 0) catchUpIndex = leader.appliedIndex;
        if (
          [...status.confState.voters, ...status.confState.learners].every(
            (id) => c.get(id).appliedIndex >= catchUpIndex,
          )
        )
          return;
        continue;
      }
      if (proposedInTerm !== status.term) {
        tolerateRefusal(() => {
          leader.node.propose(utf8.encode(value));
          proposedInTerm = status.term;
        });
        c.settle(leader.id);
        c.deliverAll();
      }
    }
    const summary = c.ids().map((id) => {
      const s = c.get(id).node.status();
      return `${id}: ${s.role} term ${s.term} lead ${s.lead} commit ${s.commit} voters [${s.confState.voters.join(',')}]`;
    });
    if (process.env.EKV_RAFT_TRACE === '1') console.log(c.trace.join('\n'));
    throw new Error(
      `liveness: no leader committed a proposal within ${livenessRoundsMax} rounds after healing\n${summary.join('\n')}`,
    );
  }
}

const totals = new Map<string, number>();
const numRuns = Number(process.env.EKV_RAFT_RUNS ?? 400);
if (!Number.isSafeInteger(numRuns) || numRuns < 1)
  throw new Error(`EKV_RAFT_RUNS=${process.env.EKV_RAFT_RUNS}: expected a positive integer`);

describe('Raft under a hostile simulated network', () => {
  it('keeps election safety, log matching, leader completeness and state-machine safety, and recovers after healing', () => {
    fc.assert(
      fc.property(
        runOptionsArbitrary,
        fc.array(actionArbitrary, { minLength: 1, maxLength: 100, size: 'large' }),
        (options, actions) => {
          const run = new Run(options);
          for (const action of actions) run.apply(action);
          if (process.env.EKV_RAFT_STATS === '1') run.stats(actions.length);
          run.checkLiveness();
        },
      ),
      { numRuns },
    );
  }, 0);

  it('detects a violation when one is planted (the checker is not vacuous)', () => {
    const run = new Run();
    run.cluster.get('n1').node.campaign();
    run.cluster.settle('n1');
    run.cluster.deliverAll();
    const leader = run.cluster.get('n1');
    const follower = run.cluster.get('n2');
    // Plant a divergent entry on a follower's disk at an index the leader has.
    const last = leader.storage.lastIndex();
    const planted = { ...leader.storage.entries(last, (last + 1) as typeof last)[0]!, data: utf8.encode('forged') };
    follower.storage.append([planted]);
    expect(() => run.cluster.settle('n1')).toThrow(/log matching/);
  });
});
