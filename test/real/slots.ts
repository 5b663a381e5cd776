// At most REAL_CONCURRENCY (default 3) heavy tests of a file at once: the tests mostly
// wait on their processes, so two overlap well; more would only make each slower.
const max = Math.max(1, Number(process.env.REAL_CONCURRENCY ?? 3) || 3);
let active = 0;
const waiting: (() => void)[] = [];

export async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
  active += 1;
  try {
    return await work();
  } finally {
    active -= 1;
    waiting.shift()?.();
  }
}
