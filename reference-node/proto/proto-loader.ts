/**
 * Loads the node's .proto files once with @grpc/proto-loader and hands out the
 * gRPC service definitions. The options are part of the wire contract of the
 * TypeScript types in `messages.ts` (camelCase fields, 64-bit integers as
 * numbers, bytes as Buffer, defaults filled in). `encryption_admin.proto` is
 * the one exception: it is loaded with `longs: String`, because its full node
 * ids use all 64 bits and do not survive a JavaScript number, so its uint64
 * fields are decimal strings.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/** The proto-loader options every server and client of the node uses. */
export const protoLoaderOptions: Readonly<Options> = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
});

const protoFiles = ['kv.proto', 'raft_admin.proto', 'peer.proto'] as const;

/** The options of `encryption_admin.proto`: uint64 fields as decimal strings (see the module comment). */
export const encryptionAdminLoaderOptions: Readonly<Options> = Object.freeze({ ...protoLoaderOptions, longs: String });

/**
 * The folder holding the .proto files. Sources run from
 * `reference-node/proto/`; compiled code runs from `dist/reference-node/proto/`
 * while the .proto files stay in the source tree (they are not copied by tsc),
 * so both places are tried.
 */
export function protoDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '..', '..', '..', 'reference-node', 'proto')];
  for (const candidate of candidates) {
    if (existsSync(join(candidate, 'kv.proto'))) return candidate;
  }
  throw new Error(`cannot find the node's .proto files (looked in ${candidates.join(', ')})`);
}

/** Client constructors and service definitions of the node's four services. */
export interface EkvServices {
  readonly KV: ServiceClientConstructor;
  readonly RaftAdmin: ServiceClientConstructor;
  readonly Peer: ServiceClientConstructor;
  readonly EncryptionAdmin: ServiceClientConstructor;
}

function ekvPackage(directory: string, files: readonly string[], options: Readonly<Options>): GrpcObject {
  const definition = loadSync(
    files.map((file) => join(directory, file)),
    { ...options, includeDirs: [directory] },
  );
  return (loadPackageDefinition(definition)['ekv'] as GrpcObject)['v1'] as GrpcObject;
}

function pick(ekv: GrpcObject, name: string): ServiceClientConstructor {
  const ctor = ekv[name] as ServiceClientConstructor | undefined;
  if (ctor === undefined) throw new Error(`service ekv.v1.${name} missing from the .proto files`);
  return ctor;
}

let cached: EkvServices | undefined;

/** Loads (once per process) and returns the node's gRPC services. */
export function loadEkvServices(): EkvServices {
  if (cached !== undefined) return cached;
  const directory = protoDirectory();
  const ekv = ekvPackage(directory, protoFiles, protoLoaderOptions);
  const encryption = ekvPackage(directory, ['encryption_admin.proto'], encryptionAdminLoaderOptions);
  cached = Object.freeze({
    KV: pick(ekv, 'KV'),
    RaftAdmin: pick(ekv, 'RaftAdmin'),
    Peer: pick(ekv, 'Peer'),
    EncryptionAdmin: pick(encryption, 'EncryptionAdmin'),
  });
  return cached;
}

/** The server-side service definition of one service (for `server.addService`). */
export function serviceDefinition(name: keyof EkvServices): ServiceDefinition {
  return loadEkvServices()[name].service;
}
