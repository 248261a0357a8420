/**
 * Catalogued bugs of the Enable RPCs' idempotence (bug-catalogue.md §10.B,
 * invariant I10) on real 3-node clusters, each next to the correct answer:
 * - B45: a retry after success is refused ("AlreadyExists") instead of OK
 *   with was_already_active and the original index;
 * - B46: without the semaphore two concurrent calls both report a fresh
 *   success with the same index.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, type EnableStorageEnvelopeResponse } from '../proto/index.js';
import {
  bootstrapEncryption,
  enableStorageEnvelope,
  proposerOf,
  startEncryptedCluster,
} from './test/encryption-cluster.js';
import type { ProcessCluster } from './test/process-cluster.js';

describe('Enable RPC idempotence switches', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  for (const [bugs, retried] of [
    [['--bug', 'B45'], 'refused'],
    [[], 'already-active'],
  ] as const) {
    it(`B45 ${bugs.length === 0 ? 'off' : 'on'}: a retried EnableStorageEnvelope is ${retried}`, async () => {
      const started = await startEncryptedCluster({ commonFlags: bugs });
      cluster = started.cluster;
      const { leader } = started;
      await bootstrapEncryption(cluster, leader, started.kekPath);
      const first = await enableStorageEnvelope(cluster, leader);
      expect(first.wasAlreadyActive).toBe(false);
      const retry = await enableStorageEnvelope(cluster, leader).then(
        (response) => response,
        (error: unknown) => classifyError(error),
      );
      if (retried === 'refused') {
        expect('spec' in retry && retry.spec.name).toBe('EncryptionFailedPrecondition');
        expect('message' in retry ? retry.message : '').toMatch(/AlreadyExists/);
      } else {
        expect(retry).toMatchObject({ wasAlreadyActive: true, appliedIndex: first.appliedIndex });
      }
    }, 60_000);
  }

  for (const [bugs, freshAnswers] of [
    [['--bug', 'B46'], 2],
    [[], 1],
  ] as const) {
    it(`B46 ${bugs.length === 0 ? 'off' : 'on'}: of two concurrent EnableStorageEnvelope calls, ${freshAnswers} report a fresh success`, async () => {
      const started = await startEncryptedCluster({ commonFlags: bugs });
      cluster = started.cluster;
      const { leader } = started;
      await bootstrapEncryption(cluster, leader, started.kekPath);
      const proposer = await proposerOf(cluster, leader);
      const client = cluster.encryption(leader);
      const answers: EnableStorageEnvelopeResponse[] = await Promise.all([
        client.enableStorageEnvelope(proposer, { timeoutMs: 20_000 }),
        client.enableStorageEnvelope(proposer, { timeoutMs: 20_000 }),
      ]);
      expect(answers.filter((a) => !a.wasAlreadyActive)).toHaveLength(freshAnswers);
      expect(answers[0]!.appliedIndex).toBe(answers[1]!.appliedIndex);
    }, 60_000);
  }
});
