/**
 * A small tolerant parser for TTML markup (XML-like: `<tag attr="v">`, `<tag/>`, comments, text).
 * It knows that `{{ }}` bindings may hold `<`, `>` and quotes, which general HTML parsers do not.
 * @module
 */

/** A parsed element or text. */
export type RawNode = RawElement | { type: 'text'; text: string; line: number };

/** A parsed element; attribute values are raw (`true` for a name without value). */
export interface RawElement {
  type: 'el';
  tag: string;
  attrs: [name: string, value: string | true][];
  kids: RawNode[];
  line: number;
}

/** A syntax error in a TTML file, with its line and column. */
export class TtmlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(`${message} (line ${line}, column ${column})`);
    this.name = 'TtmlSyntaxError';
    this.line = line;
    this.column = column;
  }
}

/** Elements that never have children (HTML void elements TTML authors write without `/>`). */
const VOID = new Set(['input', 'image', 'import', 'include', 'br', 'img', 'switch', 'rtc-room', 'icon', 'progress', 'slider', 'checkbox', 'radio']);

/** Parses TTML text into a tree. */
export function parseTtml(src: string): RawNode[] {
  const root: RawElement = { type: 'el', tag: '#root', attrs: [], kids: [], line: 1 };
  const stack: RawElement[] = [root];
  let i = 0;
  const pos = (at: number): [number, number] => {
    const before = src.slice(0, at);
    const line = before.split('\n').length;
    return [line, at - before.lastIndexOf('\n')];
  };
  const fail = (msg: string, at: number): never => {
    const [l, c] = pos(at);
    throw new TtmlSyntaxError(msg, l, c);
  };
  const top = (): RawElement => stack[stack.length - 1] as RawElement;

  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end < 0) fail('comment without "-->"', i);
      i = end + 3;
      continue;
    }
    if (src.startsWith('</', i)) {
      const m = /^<\/\s*([\w:.-]+)\s*>/.exec(src.slice(i));
      if (!m) fail('malformed closing tag', i);
      const tag = (m as RegExpExecArray)[1] as string;
      const open = stack.findLastIndex((e) => e.tag === tag);
      if (open <= 0) fail(`closing tag </${tag}> without a matching <${tag}>`, i);
      if (open !== stack.length - 1) fail(`<${top().tag}> (line ${top().line}) is not closed before </${tag}>`, i);
      stack.pop();
      i += (m as RegExpExecArray)[0].length;
      continue;
    }
    if (src[i] === '<' && /[A-Za-z]/.test(src[i + 1] ?? '')) {
      const start = i;
      const name = /^<([\w:.-]+)/.exec(src.slice(i)) as RegExpExecArray;
      const el: RawElement = { type: 'el', tag: name[1] as string, attrs: [], kids: [], line: pos(start)[0] };
      i += name[0].length;
      let selfClosing = false;
      for (;;) {
        while (/\s/.test(src[i] ?? '')) i++;
        if (i >= src.length) fail(`<${el.tag}> is not closed with ">"`, start);
        if (src.startsWith('/>', i)) {
          selfClosing = true;
          i += 2;
          break;
        }
        if (src[i] === '>') {
          i++;
          break;
        }
        const an = /^[^\s=/>"']+/.exec(src.slice(i));
        if (!an) fail(`unexpected "${src[i]}" in <${el.tag}>`, i);
        const attr = (an as RegExpExecArray)[0];
        i += attr.length;
        while (/\s/.test(src[i] ?? '')) i++;
        if (src[i] !== '=') {
          el.attrs.push([attr, true]);
          continue;
        }
        i++;
        while (/\s/.test(src[i] ?? '')) i++;
        const q = src[i];
        if (q === '"' || q === "'") {
          const end = attrEnd(src, i + 1, q);
          if (end < 0) fail(`attribute ${attr} has no closing ${q}`, i);
          el.attrs.push([attr, src.slice(i + 1, end)]);
          i = end + 1;
        } else {
          const v = /^[^\s>]+/.exec(src.slice(i));
          if (!v) fail(`attribute ${attr} has no value`, i);
          el.attrs.push([attr, (v as RegExpExecArray)[0]]);
          i += (v as RegExpExecArray)[0].length;
        }
      }
      top().kids.push(el);
      if (!selfClosing && !VOID.has(el.tag)) stack.push(el);
      continue;
    }
    // text up to the next tag, skipping over {{ }} (which may hold "<")
    const start = i;
    while (i < src.length) {
      if (src.startsWith('{{', i)) {
        const end = src.indexOf('}}', i + 2);
        i = end < 0 ? src.length : end + 2;
      } else if (src[i] === '<' && (/[A-Za-z/!]/.test(src[i + 1] ?? ''))) break;
      else i++;
    }
    top().kids.push({ type: 'text', text: src.slice(start, i), line: pos(start)[0] });
  }
  if (stack.length > 1) {
    const open = top();
    throw new TtmlSyntaxError(`<${open.tag}> is never closed`, open.line, 1);
  }
  return root.kids;
}

/** End of a quoted attribute value; quotes inside `{{ }}` do not end it. */
function attrEnd(src: string, from: number, q: string): number {
  let i = from;
  while (i < src.length) {
    if (src.startsWith('{{', i)) {
      const end = src.indexOf('}}', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else if (src[i] === q) return i;
    else i++;
  }
  return -1;
}
