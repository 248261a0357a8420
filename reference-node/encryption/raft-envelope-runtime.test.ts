import { describe, expect, it } from 'vitest';
import { isEncryptionError } from './errors.js';
import { encodeRegistrationEntry } from './fsm-wire.js';
import { Keystore } from './keystore.js';
import { fullNodeId } from './node-identity.js';
import { NonceFactory } from './nonce-factory.js';
import { RaftEnvelopeRuntime } from './raft-envelope-runtime.js';
import { keyBytes, thrown } from './test/fixtures.js';

const ME = fullNodeId('n1');

function runtime(): { rt: RaftEnvelopeRuntime; nonces: NonceFactory; keystore: Keystore } {
  const keystore = new Keystore();
  keystore.set(20, keyBytes(20));
  keystore.set(21, keyBytes(21));
  const nonces = new NonceFactory(1, 3);
  return { rt: new RaftEnvelopeRuntime({ keystore, nonces, fullNodeId: ME, raftEpoch: 3 }), nonces, keystore };
}

describe('raft envelope runtime', () => {
  it('is inert until installed, then wraps under the installed DEK and unwraps', async () => {
    const { rt } = runtime();
    expect([rt.cutoverIndex, rt.wrapping]).toEqual([0, false]);
    expect(() => rt.wrap(Uint8Array.of(0))).toThrow(/before a wrap was installed/);
    await rt.installer(42, 20);
    rt.markRegistered(20);
    const wrapped = rt.wrap(Uint8Array.of(0x00, 9));
    expect(Buffer.from(wrapped.subarray(2, 6)).readUInt32BE(0)).toBe(20);
    expect(Array.from(rt.unwrap(wrapped))).toEqual([0x00, 9]);
  });

  it('never moves the cutover, follows a raft rotation, refuses an unloaded DEK', async () => {
    const { rt } = runtime();
    await rt.installer(42, 20);
    await rt.installer(42, 21);
    expect([rt.cutoverIndex, rt.raftDekId]).toEqual([42, 21]);
    expect(() => rt.install(43, 21)).toThrow(/never changes/);
    expect(
      isEncryptionError(
        thrown(() => rt.install(42, 99)),
        'ErrUnknownKeyID',
      ),
    ).toBe(true);
  });

  it('the unwrap-only installer (bug switches B7/B8) records the cutover for unwrap and leaves wrap-on-propose off until install', async () => {
    const { rt } = runtime();
    await rt.unwrapOnlyInstaller(42, 20);
    expect([rt.cutoverIndex, rt.raftDekId, rt.wrapping]).toEqual([42, 20, false]);
    expect(() => rt.wrap(Uint8Array.of(0))).toThrow(/before a wrap was installed/);
    expect(() => rt.recordCutoverWithoutWrap(43, 20)).toThrow(/never changes/);
    rt.install(42, 20);
    // Once on, a later unwrap-only record (a raft rotation under B8) never turns the wrap off again.
    await rt.unwrapOnlyInstaller(42, 21);
    expect([rt.raftDekId, rt.wrapping]).toEqual([21, true]);
  });

  it("gates wraps on the raft registration, exempting only the node's own registration payload", async () => {
    const { rt, nonces } = runtime();
    await rt.installer(42, 20);
    expect(
      isEncryptionError(
        thrown(() => rt.wrap(Uint8Array.of(0x00, 1))),
        'ErrWriterNotRegistered',
      ),
    ).toBe(true);
    expect(nonces.writeCount).toBe(0n);
    rt.wrap(encodeRegistrationEntry({ dekId: 20, fullNodeId: ME, localEpoch: 3 }));
    expect(
      isEncryptionError(
        thrown(() => rt.wrap(encodeRegistrationEntry({ dekId: 20, fullNodeId: ME, localEpoch: 2 }))),
        'ErrWriterNotRegistered',
      ),
    ).toBe(true);
    rt.markRegistered(20);
    rt.wrap(Uint8Array.of(0x00, 1));
    // A rotation to a new raft DEK closes the gate again until the new registration commits.
    await rt.installer(42, 21);
    expect(rt.registered()).toBe(false);
  });
});
