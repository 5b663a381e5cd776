/** One value that differs between the release's current values and the new ones, by dotted path. */
export interface ValueChange {
  key: string;
  before?: unknown;
  after?: unknown;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Leaf-by-leaf differences (lists compare whole); keys in sorted order. */
export function diffValues(before: unknown, after: unknown, prefix = ''): ValueChange[] {
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const change: ValueChange = { key: prefix };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return [change];
}
