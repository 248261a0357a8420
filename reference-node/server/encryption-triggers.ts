/**
 * The node's registration triggers and write gates of one process load,
 * wired together (spec §3.4 (b), (d), (e), (f); §7.9; §8.1 steps 9–10):
 * - the KV write gate (7a first-write barrier, BlockMutators);
 * - the registrar: own registrations proposed when leading, forwarded to the
 *   leader's EncryptionAdmin otherwise;
 * - the 7a process-start registration (`install`, step 9);
 * - the runtime watchers (7b / raft), ticked by the node's timer;
 * - the 7c pre-registration the RaftAdmin service runs before adding a member;
 * - rotate-on-startup (6F, `start`, step 10).
 * Without an encryption runtime only the (inert) write gate exists.
 */
import type { EncryptionRuntime } from './encryption-startup.js';
import type { LeaderForwarder } from './leader-forwarder.js';
import type { Logger } from './logger.js';
import { memberPreRegistration } from './member-pre-registration.js';
import type { NodeClock } from './node-clock.js';
import type { NodeCore } from './node-core.js';
import { RegistrationWatcher } from './registration-watcher.js';
import { RotateOnStartup } from './rotate-on-startup.js';
import { StartupRegistration } from './startup-registration.js';
import { WriteGate } from './write-gate.js';
import { ownWriterRegistrar } from './writer-registrar.js';

/** What the triggers need from the node. */
export interface EncryptionTriggersDeps {
  readonly runtime: EncryptionRuntime | null;
  readonly core: NodeCore;
  readonly forwarder: LeaderForwarder;
  /** `--rotate-on-startup`. */
  readonly rotateOnStartup: boolean;
  /** Longest a write waits at the first-write barrier. */
  readonly barrierWaitMsMax: number;
  /** Fails the node (a terminal rotate-on-startup error). */
  readonly onTerminal: (error: Error) => void;
  readonly logger: Logger;
  /** The node's clock (the write gate's waits, registration deadlines and backoffs). */
  readonly clock: NodeClock;
  /** Catalogued bugs (B37, E14, E17, E22, E23 are wired here). */
  readonly bugs?: ReadonlySet<string>;
}

/** The triggers of one process load. */
export class EncryptionTriggers {
  readonly writeGate: WriteGate;
  /** The runtime watchers (null without encryption); the node ticks them once a second. */
  readonly watcher: RegistrationWatcher | null;
  /** The 7c interceptor for RaftAdmin (undefined without encryption). */
  readonly beforeMemberAdd: ((id: string) => Promise<void>) | undefined;
  private readonly startupRegistration: StartupRegistration | null;
  private readonly rotation: RotateOnStartup | null;

  constructor(deps: EncryptionTriggersDeps) {
    const { runtime, core, forwarder, logger } = deps;
    const bugs = deps.bugs ?? new Set<string>();
    this.writeGate = new WriteGate({ barrierWaitMsMax: deps.barrierWaitMsMax, clock: deps.clock });
    if (runtime === null) {
      if (deps.rotateOnStartup)
        logger.warn(
          '--rotate-on-startup needs --encryption-enabled, --kek-file and --sidecar-path; the request is skipped',
        );
      this.watcher = null;
      this.beforeMemberAdd = undefined;
      this.startupRegistration = null;
      this.rotation = null;
      return;
    }
    const register = ownWriterRegistrar({
      isLeader: () => core.isLeader(),
      proposeLocally: (payload) => core.proposeRaw(payload),
      proposeExempt: (payload) => core.proposeAdmin(payload),
      bugs,
      forwardToLeader: (request, deadlineMs) =>
        forwarder.encryptionAdmin((client, options) => client.registerEncryptionWriter(request, options), deadlineMs),
    });
    this.watcher = new RegistrationWatcher({ runtime, register, logger, clock: deps.clock });
    this.startupRegistration = new StartupRegistration({
      runtime,
      barrier: this.writeGate,
      register,
      logger,
      clock: deps.clock,
    });
    this.beforeMemberAdd = memberPreRegistration({ runtime, core, logger, bugs });
    const watcher = this.watcher;
    this.rotation = deps.rotateOnStartup
      ? new RotateOnStartup({
          runtime,
          core,
          registerNow: () => watcher.tick(),
          onTerminal: deps.onTerminal,
          logger,
          bugs,
          clock: deps.clock,
        })
      : null;
    const rotation = this.rotation;
    if (rotation !== null) this.writeGate.blockMutatorsWhile(() => rotation.blocksMutators());
  }

  /** §8.1 step 9 (after the after-replay checks): the 7a registration; throws to refuse startup. */
  async install(): Promise<void> {
    await this.startupRegistration?.install();
  }

  /** §8.1 step 10, once the node serves: arms rotate-on-startup. */
  start(): void {
    this.rotation?.start();
  }

  /** Lease renewals are blocked while rotate-on-startup blocks mutators (spec §7.9). */
  leaseRenewalAllowed(): boolean {
    return this.rotation?.blocksMutators() !== true;
  }

  /**
   * Ends the background loops at their next step (shutdown) without waiting
   * out a backoff; barriers stay as they are. A step in flight fails against
   * the closing node and is not retried.
   */
  stop(): void {
    void this.startupRegistration?.stop();
    void this.rotation?.stop();
  }
}
