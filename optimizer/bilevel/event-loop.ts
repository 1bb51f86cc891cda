/**
 * yieldToEventLoop(): a promise that resolves on a later turn of the event loop, so that timers,
 * I/O callbacks and signal handlers run in between. setImmediate where the runtime has it (Node),
 * else a MessageChannel message (browsers, workers: not clamped like nested timers), else
 * setTimeout(0).
 */
type Scheduler = (callback: () => void) => void;

/** the part of the web MessageChannel used here (Node's typings differ from the DOM's) */
interface PortPair {
  readonly port1: { onmessage: ((event: unknown) => void) | null };
  readonly port2: { postMessage(message: unknown): void };
}

function pickScheduler(): Scheduler {
  const g = globalThis as unknown as { setImmediate?: (cb: () => void) => unknown; MessageChannel?: new () => PortPair };
  if (typeof g.setImmediate === 'function') {
    const si = g.setImmediate;
    return (cb) => void si(cb);
  }
  if (typeof g.MessageChannel === 'function') {
    const channel = new g.MessageChannel();
    const queue: (() => void)[] = [];
    channel.port1.onmessage = () => queue.shift()?.();
    return (cb) => {
      queue.push(cb);
      channel.port2.postMessage(null);
    };
  }
  return (cb) => void setTimeout(cb, 0);
}

let scheduler: Scheduler | null = null;

export function yieldToEventLoop(): Promise<void> {
  scheduler ??= pickScheduler();
  const s = scheduler;
  return new Promise<void>((resolve) => s(resolve));
}
