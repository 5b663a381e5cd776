// Durations in the form helm and kubectl take (Go's time.ParseDuration): "90s", "5m", "1h30m", "500ms".

const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const durationPattern = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const partPattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds, or undefined when the text is not a positive duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!durationPattern.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(partPattern)) {
    total += Number(amount) * (unitMs[unit ?? 's'] ?? 0);
  }
  return total > 0 ? Math.round(total) : undefined;
}

/** "5m", "1m30s", "800ms": the shortest Go-style spelling, also accepted back by parseDuration. */
export function formatDuration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  if (rounded < 1_000) return `${rounded}ms`;
  const hours = Math.floor(rounded / 3_600_000);
  const minutes = Math.floor((rounded % 3_600_000) / 60_000);
  const seconds = (rounded % 60_000) / 1_000;
  const parts = [
    hours > 0 ? `${hours}h` : '',
    minutes > 0 ? `${minutes}m` : '',
    seconds > 0 ? `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s` : '',
  ];
  return parts.join('');
}
