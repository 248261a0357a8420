/**
 * The node's hybrid logical clock: physical milliseconds from an injected
 * {@link Clock} plus a 16-bit logical counter (layout in
 * storage/hlc-timestamp.ts). Timestamps issued by one process are strictly
 * increasing.
 *
 * Leader changes: the leader periodically replicates a lease entry (0x02)
 * carrying `ceiling = physical now + leaseMs`; applying it raises every
 * replica's ceiling. A node that becomes leader calls
 * {@link Hlc.fenceForLeadership} (once it has applied the entries committed
 * before its term), after which it never issues a timestamp below the
 * applied ceiling or at/below the highest applied commit timestamp. So
 * timestamps stay monotone across leader changes even when the new leader's
 * wall clock is behind the old one's.
 */
import { HLC_LOGICAL_BITS, HLC_LOGICAL_MAX, hlcPhysicalMs, hlcTimestamp } from '../storage/index.js';
import { encodeLeaseRenewal } from './fsm-payload.js';

/** The physical time source (injected so tests and the simulator control it). */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** A clock reading the process's wall clock. */
export const systemClock: Clock = Object.freeze({ nowMs: () => Date.now() });

/** A hybrid logical clock. */
export class Hlc {
  private lastIssued = 0n;
  private appliedCeilingMs = 0;
  /** Physical floor in ms, raised by {@link fenceForLeadership}. */
  private floorMs = 0n;

  constructor(private readonly clock: Clock) {}

  private physicalNow(): bigint {
    const wall = BigInt(Math.max(0, Math.floor(this.clock.nowMs())));
    return wall > this.floorMs ? wall : this.floorMs;
  }

  /** Issues a new timestamp, strictly greater than every one issued or observed before. */
  now(): bigint {
    const fromClock = this.physicalNow() << HLC_LOGICAL_BITS;
    let next = fromClock > this.lastIssued ? fromClock : this.lastIssued + 1n;
    if ((next & HLC_LOGICAL_MAX) === HLC_LOGICAL_MAX) {
      // Logical counter exhausted: move to the next millisecond.
      next = hlcTimestamp(hlcPhysicalMs(next) + 1n, 0n);
    }
    this.lastIssued = next;
    return next;
  }

  /** The current reading without issuing (for reads and TTL checks). */
  peek(): bigint {
    const fromClock = this.physicalNow() << HLC_LOGICAL_BITS;
    return fromClock > this.lastIssued ? fromClock : this.lastIssued;
  }

  /** Records a commit timestamp applied by the FSM (from any leader). */
  observe(timestamp: bigint): void {
    if (timestamp > this.lastIssued) this.lastIssued = timestamp;
  }

  /** Applies a lease entry's ceiling (never lowers it). */
  applyLeaseCeiling(ceilingMs: number): void {
    if (ceilingMs > this.appliedCeilingMs) this.appliedCeilingMs = ceilingMs;
  }

  /** The highest applied lease ceiling in ms (0 = none yet). */
  ceilingMs(): number {
    return this.appliedCeilingMs;
  }

  /**
   * Called by a node that just became leader: from now on its timestamps are
   * at or above the applied ceiling (whatever the old leader may have issued
   * under its lease) and above every observed commit timestamp.
   */
  fenceForLeadership(): void {
    const ceiling = BigInt(this.appliedCeilingMs);
    if (ceiling > this.floorMs) this.floorMs = ceiling;
  }

  /** The 0x02 payload a leader proposes to extend its lease by `leaseMs`. */
  leaseRenewalPayload(leaseMs: number): Uint8Array {
    if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0)
      throw new RangeError(`leaseMs must be a positive integer, got ${leaseMs}`);
    return encodeLeaseRenewal(Number(this.physicalNow()) + leaseMs);
  }
}
