/**
 * `--test-kill-point` validation and arming (process.kill is stubbed; the
 * real SIGKILL is exercised by the B1/B15 integration tests on real nodes).
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { ROTATION_SUBTAG, OPCODE_ROTATION } from '../encryption/index.js';
import { FlagError } from './flag-error.js';
import { killPointHooks, parseTestKillPoint } from './test-kill-points.js';

describe('parseTestKillPoint', () => {
  it('accepts the named points with --test-hooks and nothing without the flag', () => {
    expect(parseTestKillPoint('after-bootstrap-apply', true)).toBe('after-bootstrap-apply');
    expect(parseTestKillPoint('after-storage-cutover-flip', true)).toBe('after-storage-cutover-flip');
    expect(parseTestKillPoint(undefined, false)).toBeUndefined();
  });

  it('refuses a point without --test-hooks, and an unknown point naming the known ones', () => {
    expect(() => parseTestKillPoint('after-bootstrap-apply', false)).toThrow(
      /--test-kill-point: is a test hook: it needs --test-hooks/,
    );
    const unknown = (): unknown => parseTestKillPoint('after-lunch', true);
    expect(unknown).toThrow(FlagError);
    expect(unknown).toThrow(
      /unknown point 'after-lunch' \(expected after-bootstrap-apply\|after-storage-cutover-flip\)/,
    );
    expect(() => parseTestKillPoint('toString', true)).toThrow(/unknown point/);
  });
});

describe('killPointHooks', () => {
  let kill: MockInstance<typeof process.kill>;
  beforeEach(() => {
    // Stands in for the SIGKILL: records the call instead of ending the test run.
    kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
  });
  afterEach(() => kill.mockRestore());

  it('after-bootstrap-apply fires on a fresh bootstrap only', () => {
    const hooks = killPointHooks('after-bootstrap-apply');
    hooks.afterApply('bootstrap-replay');
    hooks.afterApply('storage-cutover-fresh');
    expect(kill).not.toHaveBeenCalled();
    expect(() => hooks.afterApply('bootstrap-fresh')).toThrow(/SIGKILL did not stop the process/);
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
  });

  it('after-storage-cutover-flip fires after the completed sidecar write of an enable-storage-envelope apply, not of other entries', async () => {
    const hooks = killPointHooks('after-storage-cutover-flip');
    hooks.afterApply('bootstrap-fresh');
    hooks.beforeApply(Uint8Array.of(OPCODE_ROTATION, 0x01, ROTATION_SUBTAG.rotateDek));
    await hooks.sidecarWrite.onStep?.('directory-fsynced');
    // Armed by the marker, disarmed by the end of its apply: a later write does not fire.
    hooks.beforeApply(Uint8Array.of(OPCODE_ROTATION, 0x01, ROTATION_SUBTAG.enableStorageEnvelope));
    hooks.afterApply('storage-cutover-already-active');
    await hooks.sidecarWrite.onStep?.('directory-fsynced');
    expect(kill).not.toHaveBeenCalled();
    hooks.beforeApply(Uint8Array.of(OPCODE_ROTATION, 0x01, ROTATION_SUBTAG.enableStorageEnvelope));
    await hooks.sidecarWrite.onStep?.('renamed');
    expect(kill).not.toHaveBeenCalled();
    expect(() => hooks.sidecarWrite.onStep?.('directory-fsynced')).toThrow(/SIGKILL did not stop the process/);
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
  });
});
