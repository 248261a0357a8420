// Collects, during the search, what a knossos-compatible explanation needs:
// the return event furthest in time at which the search was stuck (the first
// completed operation that cannot be linearized: every completed operation
// before it was linearized in some configuration), the completed operation just
// before it (previous ok), and a few of the stuck configurations with the ops
// that could not be applied there and the model's reason ("final paths").
import type { Model } from './model.js';
import type { Operation } from './operation.js';
import type { EventLists } from './event-lists.js';

/** One step of a final path: the operation applied and the state after it. */
export interface PathStep<State> {
  readonly op: number;
  readonly stateAfter: State;
}

/** An operation that could not be applied at the end of a path, with the model's reason. */
export interface FailedAttempt {
  readonly op: number;
  readonly message: string;
}

/** A configuration where the search was stuck at the failing operation. */
export interface StuckConfiguration<State> {
  /** Operations linearized since the previous ok operation (inclusive), in order. */
  readonly path: readonly PathStep<State>[];
  readonly state: State;
  /** Concurrent operations that the model refuses in `state`. */
  readonly attempts: readonly FailedAttempt[];
}

/** A kept configuration before its messages are rendered (rendering is deferred: most are discarded). */
interface KeptConfiguration<State> {
  readonly path: readonly PathStep<State>[];
  readonly state: State;
  readonly refused: readonly number[];
}

const configurationsMax = 8;
const pathStepsMax = 32;
const attemptsMax = 16;

/** Tracks the deepest stuck point of one search. */
export class SearchExplainer<State, Input, Output> {
  private maxRank = -1;
  private maxBlock = -1;
  private readonly kept: KeptConfiguration<State>[] = [];
  /** previousOk() of maxBlock, once computed (-2: not yet). */
  private previousOkOp = -2;

  constructor(
    private readonly model: Model<State, Input, Output>,
    private readonly ops: readonly Operation<Input, Output>[],
    private readonly lists: EventLists,
  ) {}

  /** Called when every candidate before the return event `block` failed. */
  noteStuck(block: number, stackOps: Int32Array, depth: number, stackStates: readonly State[], state: State): void {
    const rank = this.lists.rank[block] ?? -1;
    if (rank < this.maxRank) return;
    if (rank > this.maxRank) {
      this.maxRank = rank;
      this.maxBlock = block;
      this.previousOkOp = -2;
      this.kept.length = 0;
    }
    if (this.kept.length >= configurationsMax) return;
    this.kept.push({
      path: this.pathSince(stackOps, depth, stackStates, state),
      state,
      refused: this.refused(block, state),
    });
  }

  /** Called when the search stops early: the current frontier may be further than any stuck point. */
  noteFrontier(stackOps: Int32Array, depth: number, stackStates: readonly State[], state: State): void {
    const rank = this.lists.rank;
    const e = this.lists.firstPendingReturn();
    if (e === -1 || (rank[e] ?? -1) <= this.maxRank) return;
    this.maxRank = rank[e] ?? -1;
    this.maxBlock = e;
    this.previousOkOp = -2;
    this.kept.length = 0;
    this.kept.push({ path: this.pathSince(stackOps, depth, stackStates, state), state, refused: [] });
  }

  /** The first completed operation that could not be linearized. */
  failingOp(): number {
    // The search always gets stuck at some return before failing; the first
    // return is a defensive fallback.
    if (this.maxBlock >= 0) return this.maxBlock >> 1;
    const { byRank, eventCount } = this.lists;
    for (let position = 0; position < eventCount; position += 1)
      if (((byRank[position] ?? 0) & 1) === 1) return (byRank[position] ?? 0) >> 1;
    return 0;
  }

  /** The furthest completed operation not yet linearized when the search stopped. */
  frontierOp(): number | undefined {
    return this.maxBlock < 0 ? undefined : this.maxBlock >> 1;
  }

  /** The completed operation whose return precedes the failing one's. */
  previousOk(): number | undefined {
    if (this.maxBlock < 0) return undefined;
    if (this.previousOkOp === -2) {
      const event = this.lists.returnBefore(this.lists.rank[this.maxBlock] ?? 0);
      this.previousOkOp = event < 0 ? -1 : event >> 1;
    }
    return this.previousOkOp < 0 ? undefined : this.previousOkOp;
  }

  /** The kept stuck configurations, with the model's reason for each refused operation. */
  configurations(): readonly StuckConfiguration<State>[] {
    return this.kept.map(({ path, state, refused }) => ({
      path,
      state,
      attempts: refused.map((index) => {
        const op = this.ops[index >> 1];
        if (op === undefined) return { op: index >> 1, message: 'unknown operation' };
        const output = (index & 1) === 1 ? op.output : undefined;
        const message =
          this.model.explainFailure?.(state, op.input, output) ??
          `can't apply ${this.model.describeOperation(op.input, output)} to ${this.model.describeState(state)}`;
        return { op: index >> 1, message };
      }),
    }));
  }

  /** The stack's last entries (up to pathStepsMax), from the previous ok op when it is among them. */
  private pathSince(
    stackOps: Int32Array,
    depth: number,
    stackStates: readonly State[],
    state: State,
  ): PathStep<State>[] {
    const previous = this.previousOk();
    let start = Math.max(0, depth - pathStepsMax);
    for (let i = depth - 1; i >= start; i -= 1) {
      if (stackOps[i] === previous) {
        start = i;
        break;
      }
    }
    const path: PathStep<State>[] = [];
    for (let i = start; i < depth; i += 1) {
      path.push({ op: stackOps[i] ?? 0, stateAfter: i + 1 < depth ? (stackStates[i + 1] as State) : state });
    }
    return path;
  }

  /** Candidates the model refuses in `state`, as op * 2 + (1 if its output counts). */
  private refused(block: number, state: State): number[] {
    const { next, rank, headRequired, headUnknown } = this.lists;
    const out: number[] = [];
    const limit = rank[block] ?? 0;
    const consider = (event: number, required: boolean): void => {
      const op = this.ops[event >> 1];
      if (op === undefined || out.length >= attemptsMax) return;
      if (this.model.step(state, op.input, required ? op.output : undefined) !== undefined) return;
      out.push((event & ~1) + (required ? 1 : 0));
    };
    for (let e = next[headRequired] ?? -1; e !== -1 && (e & 1) === 0; e = next[e] ?? -1)
      consider(e, this.ops[e >> 1]?.return !== undefined);
    for (let e = next[headUnknown] ?? -1; e !== -1 && (rank[e] ?? 0) < limit; e = next[e] ?? -1) consider(e, false);
    return out;
  }
}
