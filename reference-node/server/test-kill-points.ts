/**
 * Test-only crash points (`--test-hooks --test-kill-point <point>`): the
 * process SIGKILLs itself at a named instant of an encryption apply, so an
 * integration test can reproduce "kill -9 during/right after the apply"
 * deterministically (bug-catalogue B1, B15) instead of racing a signal.
 */
import { OPCODE_ROTATION, ROTATION_SUBTAG, type SidecarWriteOptions } from '../encryption/index.js';
import { FlagError } from './flag-error.js';

/** The named points. */
export const TEST_KILL_POINTS = Object.freeze({
  /** A bootstrap entry applied (sidecar and registry rows durable), before its applied index is persisted. */
  'after-bootstrap-apply': 'after a bootstrap entry applied, before its applied index is persisted',
  /** The enable-storage-envelope sidecar flip (storage_envelope_active) is durable; the rest of the apply has not run. */
  'after-storage-cutover-flip': 'right after the enable-storage-envelope sidecar flip is durable',
} as const);

/** One of {@link TEST_KILL_POINTS}. */
export type TestKillPoint = keyof typeof TEST_KILL_POINTS;

/** Validates `--test-kill-point` (it needs `--test-hooks`); undefined when the flag is absent. */
export function parseTestKillPoint(value: string | undefined, testHooks: boolean): TestKillPoint | undefined {
  if (value === undefined) return undefined;
  if (!testHooks) throw new FlagError('--test-kill-point', 'is a test hook: it needs --test-hooks');
  if (!Object.hasOwn(TEST_KILL_POINTS, value)) {
    throw new FlagError(
      '--test-kill-point',
      `unknown point '${value}' (expected ${Object.keys(TEST_KILL_POINTS).join('|')})`,
    );
  }
  return value as TestKillPoint;
}

/** Where the encryption wiring calls in; every method is a no-op unless its point is armed. */
export interface KillPointHooks {
  /** Called before the band applier sees an FSM payload. */
  beforeApply(payload: Uint8Array): void;
  /** Called with the detail of an applied (non-halting) band entry, before the pipeline persists its index. */
  afterApply(detail: string): void;
  /** Passed to the band applier's sidecar writes. */
  readonly sidecarWrite: SidecarWriteOptions;
}

function killSelf(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to self is delivered at once; nothing after it may run.
  throw new Error('unreachable: SIGKILL did not stop the process');
}

/**
 * The hooks for `point`. For the storage flip, the hook arms on an
 * enable-storage-envelope payload and fires after the next completed sidecar
 * write (the flip: the only sidecar write of a fresh apply; byte 2 of a
 * 0x05 payload is its sub-tag).
 */
export function killPointHooks(point: TestKillPoint | undefined): KillPointHooks {
  let flipArmed = false;
  return {
    beforeApply(payload) {
      flipArmed =
        point === 'after-storage-cutover-flip' &&
        payload[0] === OPCODE_ROTATION &&
        payload[2] === ROTATION_SUBTAG.enableStorageEnvelope;
    },
    afterApply(detail) {
      flipArmed = false;
      if (point === 'after-bootstrap-apply' && detail === 'bootstrap-fresh') killSelf();
    },
    sidecarWrite: {
      onStep: (step) => {
        if (flipArmed && step === 'directory-fsynced') killSelf();
      },
    },
  };
}
