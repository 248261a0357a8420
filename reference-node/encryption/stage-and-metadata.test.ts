import { describe, expect, it } from 'vitest';
import { envelopeMetadata } from './envelope-metadata.js';
import { decodeEncryptionEntry, encodeRotationEntry } from './fsm-wire.js';
import { isEncryptionError } from './errors.js';
import { Keystore } from './keystore.js';
import { NonceFactory } from './nonce-factory.js';
import { wrapRaftPayload } from './raft-envelope.js';
import { rotationSubtagsFor } from './stage-subtags.js';
import { keyBytes, thrown } from './test/fixtures.js';

describe('sub-tag whitelist by implemented cutovers (spec §7.8)', () => {
  const marker = (subtag: number) =>
    encodeRotationEntry({
      subtag,
      dekId: 1,
      purpose: subtag === 5 ? 'raft' : 'storage',
      wrapped: new Uint8Array(0),
      proposer: { dekId: 1, fullNodeId: 1n, localEpoch: 0 },
    });

  it.each([
    ['no cutover (6A-6C)', { storageEnvelopeCutover: false, raftEnvelopeCutover: false }, [1]],
    ['Phase 1 (6D)', { storageEnvelopeCutover: true, raftEnvelopeCutover: false }, [1, 4]],
    ['both phases (6E, 6F)', { storageEnvelopeCutover: true, raftEnvelopeCutover: true }, [1, 4, 5]],
  ] as const)('%s decodes sub-tags %j and halts on the others', (_name, support, known) => {
    const subtags = rotationSubtagsFor(support);
    expect([...subtags].sort()).toEqual([...known]);
    for (const subtag of [1, 4, 5]) {
      if ((known as readonly number[]).includes(subtag))
        decodeEncryptionEntry(marker(subtag), { knownSubtags: subtags });
      else
        expect(
          isEncryptionError(
            thrown(() => decodeEncryptionEntry(marker(subtag), { knownSubtags: subtags })),
            'ErrFSMWireSubtag',
          ),
        ).toBe(true);
    }
  });
});

describe('envelope metadata (inspection)', () => {
  it('reports key id and nonce fields without a key, null for non-envelopes', () => {
    const keystore = new Keystore();
    keystore.set(77, keyBytes(7));
    const wrapped = wrapRaftPayload({
      keystore,
      nonces: new NonceFactory(0xabcd, 9),
      keyId: 77,
      payload: Uint8Array.of(1, 2, 3),
    });
    expect(envelopeMetadata(wrapped)).toEqual({
      keyId: 77,
      flag: 0,
      nonceHex: 'abcd00090000000000000001',
      nodeId16: 0xabcd,
      localEpoch: 9,
      writeCount: '1',
      sealedBytes: 19,
    });
    expect(envelopeMetadata(Uint8Array.of(0x00, 1, 2))).toBeNull();
    expect(envelopeMetadata(new Uint8Array(40))).toBeNull();
  });
});
