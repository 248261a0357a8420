/**
 * The application's context inside a conf change entry: the new member's
 * address (so every replica learns it on apply) and the id of the admin
 * request that proposed it (so the proposer can resolve its waiter).
 */

/** What a conf change entry's context carries. */
export interface ConfChangeContext {
  readonly address: string;
  readonly requestId: string;
}

/** Encodes the context as JSON bytes. */
export function encodeConfChangeContext(context: ConfChangeContext): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(context));
}

/** Decodes a context; anything malformed yields empty fields (the change still applies). */
export function decodeConfChangeContext(bytes: Uint8Array): ConfChangeContext {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Record<keyof ConfChangeContext, unknown>>;
    return {
      address: typeof parsed.address === 'string' ? parsed.address : '',
      requestId: typeof parsed.requestId === 'string' ? parsed.requestId : '',
    };
  } catch {
    return { address: '', requestId: '' };
  }
}
