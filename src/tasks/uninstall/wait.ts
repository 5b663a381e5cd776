import { CancelledError } from '../../errors.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** The clock and the pause between looks, replaceable in tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type WaitOutcome = { gone: true } | { gone: false; remaining: string[] };

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError('cancelled while waiting'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('cancelled while waiting'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Looks until `remaining` finds nothing, or the time is up: then says what is still there. */
export async function waitUntilGone(remaining: () => Promise<string[]>, options: WaitOptions): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const left = await remaining();
    if (left.length === 0) return { gone: true };
    if (now() >= deadline) return { gone: false, remaining: left };
    await sleep(Math.min(options.intervalMs ?? 1_000, Math.max(0, deadline - now())), options.signal);
  }
}
