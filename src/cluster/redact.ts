/** What replaces a secret in anything shown, logged or put in an error. */
export const REDACTED = '[redacted]';

// Shorter base64 fragments would match ordinary text by chance; 6 covers every secret of 5 bytes or more.
const MIN_EMBEDDED_BASE64_LENGTH = 6;

function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The base64 characters that depend only on the secret's bytes, for each of the three byte alignments it can
 * have inside a longer encoded value (a whole database URI in a Secret's data, a docker config, ...).
 */
function embeddedBase64Cores(secret: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), secret]).toString('base64');
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + secret.length)) / 6);
    const core = encoded.slice(first, end);
    if (core.length >= MIN_EMBEDDED_BASE64_LENGTH) cores.push(core, toBase64Url(core));
  }
  return cores;
}

/** Every form in which a secret can show up in a command's output: as is, base64, URL-encoded, JSON-escaped. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = bytes.toString('base64');
  const forms = [
    secret,
    base64,
    base64.replace(/=+$/, ''),
    toBase64Url(base64),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    ...embeddedBase64Cores(bytes),
  ];
  return [...new Set(forms.filter((form) => form.length > 0))];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Holds the secrets known to a run and blanks them (in every encoded form) out of text. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;

  /** Registers a secret; empty values are ignored. */
  add(secret: string): this {
    if (secret.length === 0 || this.secrets.has(secret)) return this;
    this.secrets.add(secret);
    for (const form of secretForms(secret)) this.forms.add(form);
    // Longest first, so a base64 form is not half-replaced by a shorter form it contains.
    const alternatives = [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(alternatives.join('|'), 'g');
    return this;
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.pattern === undefined) return text;
    return text.replace(this.pattern, REDACTED);
  }

  /** Whether the text holds a known secret in any of its forms. */
  reveals(text: string): boolean {
    if (this.pattern === undefined) return false;
    this.pattern.lastIndex = 0;
    const found = this.pattern.test(text);
    this.pattern.lastIndex = 0;
    return found;
  }
}
