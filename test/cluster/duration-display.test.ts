import { describe, expect, it } from 'vitest';
import { shellLine, shellQuote, shortCommand, tailLines } from '../../src/cluster/display.js';
import { formatDuration, parseDuration } from '../../src/cluster/duration.js';

describe('durations', () => {
  it.each([
    ['5m', 300_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['2m30s', 150_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 'm', '5 minutes', '-5m', '0s', '5d'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it.each([
    [300_000, '5m'],
    [90_000, '1m30s'],
    [800, '800ms'],
    [3_600_000, '1h'],
    [1_500, '1.5s'],
  ])('formats %d ms as %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('display', () => {
  it('quotes only what a shell would need quoted', () => {
    expect(shellQuote('upgrade')).toBe('upgrade');
    expect(shellQuote('{{.Version}}')).toBe("'{{.Version}}'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
    expect(shellLine('/usr/bin/helm', ['version', '--template', '{{.Version}}'])).toBe("/usr/bin/helm version --template '{{.Version}}'");
  });

  it('names a command by its tool and leading words', () => {
    expect(shortCommand('/opt/bin/helm', ['upgrade', '--install', 'mlflow', 'chart'])).toBe('helm upgrade');
    expect(shortCommand('kubectl', ['rollout', 'status', 'deployment/mlflow', '--timeout', '5m'])).toBe(
      'kubectl rollout status deployment/mlflow',
    );
  });

  it('keeps the last non-empty lines', () => {
    expect(tailLines('a\n\nb\r\nc\n', 2)).toEqual(['b', 'c']);
  });
});
