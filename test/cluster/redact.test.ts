import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, secretForms } from '../../src/cluster/redact.js';

describe('Redactor', () => {
  const secret = 'p@ss w/rd+"x"';

  it('blanks the secret and its base64, URL-encoded and JSON-escaped forms', () => {
    const redactor = new Redactor().add(secret);
    const base64 = Buffer.from(secret).toString('base64');
    const text = [
      `raw ${secret}`,
      `b64 ${base64}`,
      `b64url ${Buffer.from(secret).toString('base64url')}`,
      `uri postgresql://mlflow:${encodeURIComponent(secret)}@db:5432/mlflow`,
      `form ${new URLSearchParams({ p: secret }).toString()}`,
      `json ${JSON.stringify({ password: secret })}`,
    ].join('\n');
    const redacted = redactor.redact(text);
    for (const form of secretForms(secret)) expect(redacted).not.toContain(form);
    expect(redacted).toContain(`raw ${REDACTED}`);
    expect(redacted).toContain(`uri postgresql://mlflow:${REDACTED}@db:5432/mlflow`);
    expect(redacted).toContain(`form p=${REDACTED}`);
    expect(redacted.split('\n')).toHaveLength(6);
  });

  it('leaves text alone when it knows no secret, and ignores empty secrets', () => {
    const redactor = new Redactor().add('');
    expect(redactor.size).toBe(0);
    expect(redactor.redact('nothing to hide')).toBe('nothing to hide');
    expect(redactor.reveals('nothing to hide')).toBe(false);
  });

  it('finds a secret of 5 bytes or more base64-encoded inside a longer value, at any byte alignment', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 5 }), fc.string(), (prefix, password, suffix) => {
        const redactor = new Redactor().add(password);
        const blob = Buffer.from(`${prefix}${password}${suffix}`).toString('base64');
        expect(redactor.reveals(blob)).toBe(true);
        expect(redactor.redact(blob)).toContain(REDACTED);
      }),
    );
  });

  it('answers reveals() the same on repeated calls (no regex state leaks between calls)', () => {
    const redactor = new Redactor().add('hunter22');
    expect([1, 2, 3].map(() => redactor.reveals('x hunter22 y'))).toEqual([true, true, true]);
  });

  it('keeps several secrets, preferring the longest match', () => {
    const redactor = new Redactor().add('abc').add('abcdef');
    expect(redactor.redact('abcdef abc')).toBe(`${REDACTED} ${REDACTED}`);
  });
});
