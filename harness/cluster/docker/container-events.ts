/**
 * Keeps node handles truthful between backend calls: `nodes()` is
 * synchronous, but a node may die by itself (an apply halt exits with code 3)
 * or be paused by someone else. The engine's event stream, filtered to this
 * run's containers, updates the cached runtime as such things happen.
 */
import type Dockerode from 'dockerode';
import type { ContainerRuntime } from './container-control.js';

/** The part of an engine event the backend reads. */
export interface ContainerEvent {
  readonly status: string;
  /** Container id. */
  readonly id: string;
}

/** The runtime after `event`, or the same object when the event does not change it. */
export function applyContainerEvent(runtime: ContainerRuntime, event: ContainerEvent): ContainerRuntime {
  switch (event.status) {
    case 'die':
      return { ...runtime, running: false, paused: false, pid: null, networkAddress: null, clientPort: null };
    case 'pause':
      return { ...runtime, paused: true };
    case 'unpause':
      return { ...runtime, paused: false };
    default:
      return runtime;
  }
}

/** Splits the engine's stream of JSON objects (one per line) into events, keeping a partial line. */
export function parseEventChunk(pending: string, chunk: string): { events: ContainerEvent[]; rest: string } {
  const lines = (pending + chunk).split('\n');
  const rest = lines.pop() ?? '';
  const events: ContainerEvent[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as { status?: unknown; id?: unknown };
      if (typeof parsed.status === 'string' && typeof parsed.id === 'string')
        events.push({ status: parsed.status, id: parsed.id });
    } catch {
      // not an event object; the engine only sends JSON, so ignore noise
    }
  }
  return { events, rest };
}

/** Subscribes to die/pause/unpause of the containers labelled `label`; returns a function that unsubscribes. */
export async function watchContainerEvents(
  docker: Dockerode,
  label: string,
  onEvent: (event: ContainerEvent) => void,
): Promise<() => void> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], label: [label], event: ['die', 'pause', 'unpause'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  let pending = '';
  stream.on('data', (chunk: Buffer | string) => {
    const parsed = parseEventChunk(pending, chunk.toString());
    pending = parsed.rest;
    parsed.events.forEach(onEvent);
  });
  // A broken event stream only makes handles staler; every fault call re-inspects anyway.
  stream.on('error', () => undefined);
  return () => stream.destroy();
}
