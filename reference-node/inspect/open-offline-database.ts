/**
 * Opens a stopped node's database for reading. Inspection is offline: a
 * running node holds LevelDB's lock, and reading behind its back would show
 * a state that is already stale, so a held lock is refused with a clear
 * message instead of being waited on.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { NodeDatabase } from '../storage/index.js';
import { InspectError } from './inspect-error.js';

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/**
 * Opens `<dataDir>/db` without creating anything: the existence checks run
 * first because LevelDB leaves a LOCK file behind even when it refuses to
 * open a missing database.
 */
export async function openOfflineDatabase(dataDir: string): Promise<NodeDatabase> {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new InspectError('ErrInspectDataDirMissing', `data dir ${dataDir} does not exist or is not a directory`);
  }
  const location = path.join(dataDir, 'db');
  if (!existsSync(path.join(location, 'CURRENT'))) {
    throw new InspectError(
      'ErrInspectDataDirMissing',
      `${dataDir} holds no node database (${location}/CURRENT is missing)`,
    );
  }
  try {
    return await NodeDatabase.open(dataDir, {
      createLevel: (where) =>
        new ClassicLevel<Uint8Array, Uint8Array>(where, {
          keyEncoding: 'view',
          valueEncoding: 'view',
          createIfMissing: false,
        }),
    });
  } catch (error) {
    if (causeCode(error) === 'LEVEL_LOCKED') {
      throw new InspectError(
        'ErrInspectDatabaseLocked',
        `${location} is locked by another process: stop the node first (inspect reads a stopped node's data dir)`,
        { cause: error },
      );
    }
    const detail =
      error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`
        : String(error);
    throw new InspectError('ErrInspectOpenFailed', `cannot open ${location}: ${detail}`, { cause: error });
  }
}
