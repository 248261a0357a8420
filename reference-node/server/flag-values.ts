/**
 * Parsers for single flag values (addresses, ids, integers, id=address
 * lists). Each throws a FlagError naming the flag and what was wrong.
 */
import { FlagError } from './flag-error.js';
import type { HostPort } from './node-config.js';

/** Node ids: lower-case, start with a letter or digit, at most 32 characters. */
export const nodeIdPattern = /^[a-z0-9][a-z0-9_-]{0,31}$/;

// Host names as Docker networks use them (container names may contain '_'), IPv4, or [IPv6].
const hostPattern =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,62})(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,62}))*|\[[0-9a-fA-F:.]+\])$/;

/** Checks a node id. */
export function parseNodeId(flag: string, text: string): string {
  if (!nodeIdPattern.test(text)) {
    throw new FlagError(flag, `invalid node id '${text}' (expected ${nodeIdPattern.source})`);
  }
  return text;
}

/** Parses HOST:PORT with a port in 1..65535. */
export function parseHostPort(flag: string, text: string): HostPort {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new FlagError(flag, `expected HOST:PORT, got '${text}'`);
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!hostPattern.test(host)) throw new FlagError(flag, `invalid host '${host}' in '${text}'`);
  if (!/^\d{1,5}$/.test(portText)) throw new FlagError(flag, `invalid port '${portText}' in '${text}'`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new FlagError(flag, `port ${port} out of range 1..65535 in '${text}'`);
  return { host, port };
}

/** Formats a HostPort back to HOST:PORT. */
export function formatHostPort(address: HostPort): string {
  return `${address.host}:${address.port}`;
}

/** Parses a decimal integer within [min, max]. */
export function parseIntegerInRange(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new FlagError(flag, `expected a whole number, got '${text}'`);
  const value = Number(text.trim());
  if (value < min || value > max) throw new FlagError(flag, `${value} out of range ${min}..${max}`);
  return value;
}

/**
 * Parses `ID=HOST:PORT[,ID=HOST:PORT…]`, refusing malformed items, invalid
 * ids, duplicate ids and duplicate addresses.
 */
export function parseIdAddressList(flag: string, text: string): Map<string, string> {
  const result = new Map<string, string>();
  const seenAddresses = new Map<string, string>();
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new FlagError(flag, 'expected ID=HOST:PORT[,ID=HOST:PORT…], got an empty list');
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) throw new FlagError(flag, `expected ID=HOST:PORT, got '${item}'`);
    const id = parseNodeId(flag, item.slice(0, equals));
    const address = formatHostPort(parseHostPort(flag, item.slice(equals + 1)));
    if (result.has(id)) throw new FlagError(flag, `duplicate node id '${id}'`);
    const other = seenAddresses.get(address);
    if (other !== undefined) throw new FlagError(flag, `nodes '${other}' and '${id}' share the address ${address}`);
    result.set(id, address);
    seenAddresses.set(address, id);
  }
  return result;
}
