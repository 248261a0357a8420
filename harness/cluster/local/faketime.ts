/**
 * Clock skew through libfaketime: the node runs with the library preloaded
 * and reads its offset from a per-node timestamp file on every call
 * (`FAKETIME_NO_CACHE=1`), so writing `+90s` into the file skews that node at
 * run time. Monotonic clocks stay real (`FAKETIME_DONT_FAKE_MONOTONIC=1`):
 * a backwards monotonic step crashes Node.
 */
import { access, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';

/** Where Debian/Ubuntu install the library. */
export const libfaketimeDefaultPath = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** Why clock faults cannot run with this library path, or null when they can. */
export async function faketimeUnavailableReason(libraryPath: string): Promise<string | null> {
  try {
    await access(libraryPath, constants.R_OK);
    return null;
  } catch {
    return `libfaketime not found at ${libraryPath} (install the libfaketime package to enable clock faults)`;
  }
}

/** Environment for a node whose clock the harness controls through `timestampFile`. */
export function faketimeEnvironment(libraryPath: string, timestampFile: string): Record<string, string> {
  return {
    LD_PRELOAD: libraryPath,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    FAKETIME_NO_CACHE: '1',
    FAKETIME_TIMESTAMP_FILE: timestampFile,
  };
}

/** libfaketime's relative-offset syntax for whole seconds (`+90s`, `-5s`). */
export function faketimeOffsetText(offsetMs: number): string {
  const seconds = Math.round(offsetMs / 1000);
  return `${seconds >= 0 ? '+' : '-'}${Math.abs(seconds)}s`;
}

/** Sets the node's clock to real time + offsetMs (rounded to seconds). */
export async function writeFaketimeOffset(timestampFile: string, offsetMs: number): Promise<void> {
  await writeFile(timestampFile, `${faketimeOffsetText(offsetMs)}\n`);
}
