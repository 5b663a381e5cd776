/**
 * A reader for the plain block YAML that kubectl writes (maps, lists, plain and quoted scalars), so the welcome
 * screen need not wait for a full YAML library to load. Anything outside that subset (anchors, tags, block
 * scalars, flow collections other than [] and {}, multi-line scalars) returns undefined: the caller then
 * uses the full parser.
 */
class Unsupported extends Error {}

interface Line {
  indent: number;
  text: string;
}

function withoutComment(text: string): string {
  let quote: string | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (index === 0 || text[index - 1] === ' ')) {
      return text.slice(0, index).trimEnd();
    }
  }
  return text.trimEnd();
}

function lines(source: string): Line[] {
  const result: Line[] = [];
  for (const [index, raw] of source.split(/\r?\n/).entries()) {
    const text = withoutComment(raw);
    if (text.trim() === '') continue;
    if (index === 0 && text === '---') continue;
    const indent = text.length - text.trimStart().length;
    if (text.slice(0, indent).includes('\t') || /^(---|\.\.\.|%)/.test(text.trimStart())) throw new Unsupported();
    result.push({ indent, text: text.trimStart() });
  }
  return result;
}

function scalar(text: string): unknown {
  if (text === '[]') return [];
  if (text === '{}') return {};
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new Unsupported();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Unsupported();
    }
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2 || /[^']'(?!')/.test(text.slice(1, -1).replace(/''/g, ''))) throw new Unsupported();
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{&*!|>%@`]/.test(text) || /: |\s#/.test(text)) throw new Unsupported();
  if (text === 'null' || text === '~') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

/** `key: rest` -> [key, rest]; a quoted key is unquoted. */
function keyValue(text: string): [string, string] | undefined {
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(?: (.*)|$)/.exec(text);
  if (quoted) return [scalar(quoted[1] ?? '') as string, (quoted[2] ?? '').trim()];
  const plain = /^([^\s"'#[\]{},&*!|>%@`-][^:#]*?|-[^\s:][^:#]*?)\s*:(?: (.*)|$)/.exec(text);
  if (!plain) return undefined;
  return [plain[1] ?? '', (plain[2] ?? '').trim()];
}

const isItem = (text: string) => text === '-' || text.startsWith('- ');

class Reader {
  private index = 0;

  constructor(private readonly source: Line[]) {}

  document(): unknown {
    const first = this.source[0];
    if (first === undefined) return null;
    const value = this.node(first.indent);
    if (this.index < this.source.length) throw new Unsupported();
    return value;
  }

  private node(indent: number): unknown {
    const line = this.source[this.index];
    if (line === undefined || line.indent !== indent) throw new Unsupported();
    return isItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private valueAfterKey(indent: number, rest: string): unknown {
    if (rest !== '') return scalar(rest);
    const next = this.source[this.index];
    if (next === undefined) return null;
    if (next.indent > indent) return this.node(next.indent);
    if (next.indent === indent && isItem(next.text)) return this.sequence(indent);
    return null;
  }

  private mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (let line = this.source[this.index]; line !== undefined && line.indent === indent && !isItem(line.text); line = this.source[this.index]) {
      const pair = keyValue(line.text);
      if (pair === undefined || Object.hasOwn(map, pair[0])) throw new Unsupported();
      this.index += 1;
      map[pair[0]] = this.valueAfterKey(indent, pair[1]);
    }
    const after = this.source[this.index];
    if (after !== undefined && after.indent > indent) throw new Unsupported();
    return map;
  }

  private sequence(indent: number): unknown[] {
    const list: unknown[] = [];
    for (let line = this.source[this.index]; line !== undefined && line.indent === indent && isItem(line.text); line = this.source[this.index]) {
      const content = line.text.slice(1).trimStart();
      if (content === '') {
        this.index += 1;
        const next = this.source[this.index];
        list.push(next !== undefined && next.indent > indent ? this.node(next.indent) : null);
      } else if (keyValue(content) !== undefined || isItem(content)) {
        // "- key: value" opens a map (or "- - x" a list) whose first line starts after the dash.
        const inner = indent + (line.text.length - content.length);
        this.source[this.index] = { indent: inner, text: content };
        list.push(this.node(inner));
      } else {
        this.index += 1;
        list.push(scalar(content));
      }
    }
    const after = this.source[this.index];
    if (after !== undefined && after.indent > indent) throw new Unsupported();
    return list;
  }
}

/** The document, or undefined when it is outside the subset (then a full YAML parser must read it). */
export function readBlockYaml(source: string): unknown {
  try {
    return new Reader(lines(source)).document();
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}
