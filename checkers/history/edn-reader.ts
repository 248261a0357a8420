// A small EDN reader for Jepsen histories. It reads the whole EDN data syntax
// that histories use (nil, booleans, numbers, strings, characters, keywords,
// symbols, lists, vectors, maps, sets, tagged literals, comments, #_ discard)
// and reports the line of every top-level element. We do not use edn-data
// here: it accepts malformed input silently (`{:a 1 :b}x` parses) and reports
// no positions, and the issue requires file:line errors, never a wrong verdict.
import type { HistoryValue } from './history-op.js';

/** A syntax error at a 1-based line of the text being read. */
export class EdnSyntaxError extends Error {
  override readonly name = 'EdnSyntaxError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** One top-level element of an EDN text (or of its single top-level collection). */
export interface EdnElement {
  readonly value: HistoryValue;
  /** 1-based line where the element starts. */
  readonly line: number;
}

/** Char codes that end a token (a lookup table: tokens are the reader's hot loop). */
const isDelimiter = new Uint8Array(128);
for (const c of '()[]{}";, \t\n\r\f') isDelimiter[c.charCodeAt(0)] = 1;
const closers: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const charNames: Readonly<Record<string, string>> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  formfeed: '\f',
  backspace: '\b',
};
const stringEscapes: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '"': '"',
  '\\': '\\',
};
const integerPattern = /^[+-]?\d+N?$/;
const floatPattern = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/;
const ratioPattern = /^[+-]?\d+\/\d+$/;

class Reader {
  private pos = 0;
  line = 1;
  constructor(private readonly text: string) {}

  /** Skips whitespace, commas, comments and `#_` discarded forms; returns the next char or undefined. */
  peek(): string | undefined {
    const text = this.text;
    for (;;) {
      const code = text.charCodeAt(this.pos);
      if (code !== code) return undefined; // NaN: end of input
      if (code === 10) {
        this.line += 1;
        this.pos += 1;
        continue;
      }
      if (code === 32 || code === 44 || code === 9 || code === 13 || code === 12) {
        this.pos += 1;
        continue;
      }
      if (code === 59) {
        while (this.pos < text.length && text.charCodeAt(this.pos) !== 10) this.pos += 1;
        continue;
      }
      if (code === 35 && text.charCodeAt(this.pos + 1) === 95) {
        this.pos += 2;
        this.read();
        continue;
      }
      return text[this.pos];
    }
  }

  read(): HistoryValue {
    const c = this.peek();
    if (c === undefined) throw new EdnSyntaxError(this.line, 'unexpected end of input');
    switch (c) {
      case '(':
      case '[':
        this.pos += 1;
        return this.readSequence(closers[c] ?? ']');
      case '{':
        this.pos += 1;
        return this.readMap();
      case ')':
      case ']':
      case '}':
        throw new EdnSyntaxError(this.line, `unexpected "${c}"`);
      case '"':
        this.pos += 1;
        return this.readString();
      case '\\':
        return this.readChar();
      case '#':
        return this.readDispatch();
      default:
        return this.readAtom();
    }
  }

  /** Reads elements until `closer`, calling `onElement` with each start line. */
  readElements(closer: string, onElement: (value: HistoryValue, line: number) => void): void {
    const openLine = this.line;
    for (;;) {
      const c = this.peek();
      if (c === undefined)
        throw new EdnSyntaxError(this.line, `unclosed collection opened at line ${openLine} (expected "${closer}")`);
      if (c === closer) {
        this.pos += 1;
        return;
      }
      const line = this.line;
      onElement(this.read(), line);
    }
  }

  atEnd(): boolean {
    return this.peek() === undefined;
  }

  consumeOpener(): string | undefined {
    const c = this.peek();
    if (c === '[' || c === '(') {
      this.pos += 1;
      return closers[c];
    }
    return undefined;
  }

  private readSequence(closer: string): HistoryValue[] {
    const items: HistoryValue[] = [];
    this.readElements(closer, (value) => {
      items.push(value);
    });
    return items;
  }

  private readMap(): { [key: string]: HistoryValue } {
    const openLine = this.line;
    const map: { [key: string]: HistoryValue } = {};
    let key: HistoryValue | undefined;
    this.readElements('}', (value) => {
      if (key === undefined) {
        key = value;
        return;
      }
      map[typeof key === 'string' ? key : JSON.stringify(key)] = value;
      key = undefined;
    });
    if (key !== undefined) throw new EdnSyntaxError(openLine, 'map literal has an odd number of forms');
    return map;
  }

  private readString(): string {
    const startLine = this.line;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) throw new EdnSyntaxError(startLine, 'unterminated string');
      this.pos += 1;
      if (c === '"') return out;
      if (c === '\n') this.line += 1;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos] ?? '';
      this.pos += 1;
      if (e === 'u') {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new EdnSyntaxError(this.line, `bad unicode escape "\\u${hex}"`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
        continue;
      }
      const mapped = stringEscapes[e];
      if (mapped === undefined) throw new EdnSyntaxError(this.line, `bad string escape "\\${e}"`);
      out += mapped;
    }
  }

  private readToken(): string {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    for (; pos < text.length; pos += 1) {
      const code = text.charCodeAt(pos);
      if (code < 128 && isDelimiter[code] === 1) break;
    }
    this.pos = pos;
    return text.slice(start, pos);
  }

  private readChar(): string {
    this.pos += 1;
    const first = this.text[this.pos];
    if (first === undefined) throw new EdnSyntaxError(this.line, 'unexpected end of input after "\\"');
    this.pos += 1;
    const rest = this.readToken();
    if (rest === '') return first;
    const name = first + rest;
    const named = charNames[name];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(name)) return String.fromCharCode(parseInt(name.slice(1), 16));
    throw new EdnSyntaxError(this.line, `unknown character literal "\\${name}"`);
  }

  private readDispatch(): HistoryValue {
    const next = this.text[this.pos + 1];
    if (next === '{') {
      this.pos += 2;
      return this.readSequence('}');
    }
    this.pos += 1;
    const tag = this.readToken();
    if (!/^[A-Za-z]/.test(tag)) throw new EdnSyntaxError(this.line, `unsupported dispatch "#${tag}${next ?? ''}"`);
    // Tagged literals (#inst, #uuid, #jepsen.history.Op …) keep their value: the
    // checker needs the data, not the reader-side type.
    return this.read();
  }

  private readAtom(): HistoryValue {
    const token = this.readToken();
    if (token === '') throw new EdnSyntaxError(this.line, `unexpected character "${this.text[this.pos] ?? ''}"`);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    const c = token[0] ?? '';
    if ((c >= '0' && c <= '9') || ((c === '-' || c === '+') && /[0-9]/.test(token[1] ?? '')))
      return parseNumber(token, this.line);
    if (c === ':') {
      if (token.length === 1) throw new EdnSyntaxError(this.line, 'empty keyword ":"');
      return token.slice(token[1] === ':' ? 2 : 1);
    }
    return token;
  }
}

function parseNumber(token: string, line: number): number {
  if (integerPattern.test(token)) return Number(token.endsWith('N') ? token.slice(0, -1) : token);
  if (floatPattern.test(token)) return Number(token.endsWith('M') ? token.slice(0, -1) : token);
  if (ratioPattern.test(token)) {
    const [numerator = '0', denominator = '1'] = token.split('/');
    return Number(numerator) / Number(denominator);
  }
  throw new EdnSyntaxError(line, `malformed number "${token}"`);
}

/**
 * Reads an EDN history text: either a sequence of top-level forms (one op map
 * per line, Jepsen's history.edn) or a single vector or list of forms
 * (knossos's test files). Returns the elements with their start lines.
 */
export function readEdnElements(text: string): readonly EdnElement[] {
  const reader = new Reader(text);
  const elements: EdnElement[] = [];
  const closer = reader.consumeOpener();
  if (closer !== undefined) {
    reader.readElements(closer, (value, line) => {
      elements.push({ value, line });
    });
    if (!reader.atEnd())
      throw new EdnSyntaxError(reader.line, 'unexpected data after the closing bracket of the history');
    return elements;
  }
  while (!reader.atEnd()) {
    const line = reader.line;
    elements.push({ value: reader.read(), line });
  }
  return elements;
}

/** Reads exactly one EDN value (for command-line arguments such as `--initial`). */
export function readEdnValue(text: string): HistoryValue {
  const reader = new Reader(text);
  const value = reader.read();
  if (!reader.atEnd()) throw new EdnSyntaxError(reader.line, 'unexpected data after the value');
  return value;
}
