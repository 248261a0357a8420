/**
 * Loads `encryption_admin.proto` for the EncryptionAdmin server and its
 * clients. Unlike the other services it is loaded with `longs: String`: full
 * node ids use all 64 bits and do not survive a JS number.
 */
import { join } from 'node:path';
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoDirectory, protoLoaderOptions } from '../proto/index.js';

let cached: ServiceClientConstructor | undefined;

/** The EncryptionAdmin client constructor (loaded once per process). */
export function encryptionAdminConstructor(): ServiceClientConstructor {
  if (cached !== undefined) return cached;
  const directory = protoDirectory();
  const definition = loadSync(join(directory, 'encryption_admin.proto'), { ...protoLoaderOptions, longs: String, includeDirs: [directory] });
  const ekv = (loadPackageDefinition(definition)['ekv'] as GrpcObject)['v1'] as GrpcObject;
  const ctor = ekv['EncryptionAdmin'] as ServiceClientConstructor | undefined;
  if (ctor === undefined) throw new Error('service ekv.v1.EncryptionAdmin missing from encryption_admin.proto');
  cached = ctor;
  return ctor;
}

/** The server-side definition for `server.addService`. */
export function encryptionAdminDefinition(): ServiceDefinition {
  return encryptionAdminConstructor().service;
}

/** A promise-style EncryptionAdmin client: `call('GetCapability', {}, deadlineMs)`. */
export interface EncryptionAdminClient {
  call<T>(method: string, request: object, timeoutMs: number): Promise<T>;
  close(): void;
}

/** Connects to the EncryptionAdmin service at `address` (insecure, 127.0.0.1 / project network only). */
export function createEncryptionAdminClient(address: string): EncryptionAdminClient {
  const Ctor = encryptionAdminConstructor();
  const client = new Ctor(address, credentials.createInsecure());
  return {
    call<T>(method: string, request: object, timeoutMs: number): Promise<T> {
      const fn = (client as unknown as Record<string, (r: object, o: object, cb: (e: Error | null, v: T) => void) => void>)[method];
      if (fn === undefined) return Promise.reject(new Error(`EncryptionAdmin has no method ${method}`));
      return new Promise<T>((resolve, reject) => {
        fn.call(client, request, { deadline: new Date(Date.now() + timeoutMs) }, (error, value) => (error === null ? resolve(value) : reject(error)));
      });
    },
    close: () => client.close(),
  };
}
