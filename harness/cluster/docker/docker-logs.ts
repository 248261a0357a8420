/**
 * Reading a container's logs (pure helpers). Containers run without a TTY, so
 * the engine multiplexes stdout and stderr into frames of an 8-byte header
 * (stream type, three zero bytes, big-endian payload length) plus payload.
 */

/** A container's output split by stream. */
export interface DemuxedLogs {
  readonly stdout: string;
  readonly stderr: string;
}

const headerBytes = 8;
const streamStdout = 1;
const streamStderr = 2;

/** Splits a multiplexed log buffer; a torn last frame is kept as far as it goes. */
export function demuxDockerLogs(buffer: Buffer): DemuxedLogs {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let offset = 0;
  while (offset + headerBytes <= buffer.length) {
    const stream = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + headerBytes, Math.min(buffer.length, offset + headerBytes + length));
    if (stream === streamStderr) stderr.push(payload);
    else if (stream === streamStdout) stdout.push(payload);
    offset += headerBytes + length;
  }
  return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

/**
 * Nanoseconds since the epoch of an RFC 3339 timestamp as the engine writes
 * them (`2026-11-23T09:40:30.3212Z`: Go trims trailing zeros of the fraction,
 * so the strings do not compare lexicographically).
 */
export function parseDockerTimestamp(text: string): bigint {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text.trim());
  if (match === null) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(text)}`);
  const [, seconds = '', fraction = '', zone = 'Z'] = match;
  const millis = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(millis)) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(text)}`);
  return BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/**
 * Whether `output` (one stream, fetched with `timestamps: true`) holds a line
 * matching `pattern` stamped at or after `notBefore` — i.e. printed by the
 * container's current run, not by a run before a kill.
 */
export function hasLineSince(output: string, pattern: RegExp, notBefore: bigint): boolean {
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    if (!pattern.test(line.slice(space + 1))) continue;
    if (parseDockerTimestamp(line.slice(0, space)) >= notBefore) return true;
  }
  return false;
}
