/** A parsed XML element: enough of XML for event exports (no DTDs, no namespaces resolved). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  /** 1-based line of the start tag, and the source offsets of the whole element. */
  line: number;
  start: number;
  end: number;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class XmlError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

function decodeEntities(s: string, line: number): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);?/g, (m, name: string) => {
    if (!m.endsWith(';')) throw new XmlError(`unterminated entity "${m}"`, line);
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const v = ENTITIES[name];
    if (v === undefined) throw new XmlError(`unknown entity "&${name};"`, line);
    return v;
  });
}

/**
 * Parses a sequence of top-level XML elements (wevtutil writes <Event> elements one after another,
 * with no root), returning them in order. Throws XmlError with the line of the problem.
 */
export function parseXmlElements(text: string): XmlElement[] {
  const roots: XmlElement[] = [];
  const stack: XmlElement[] = [];
  let i = 0;
  let line = 1;
  const advance = (to: number) => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt === -1 ? text.length : lt);
    if (stack.length > 0) stack.at(-1)!.text += decodeEntities(chunk, line);
    else if (chunk.trim() !== '') throw new XmlError('text outside an element', line);
    advance(lt === -1 ? text.length : lt);
    if (lt === -1) break;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      if (end === -1) throw new XmlError('unterminated comment', line);
      advance(end + 3);
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      if (end === -1) throw new XmlError('unterminated CDATA section', line);
      if (stack.length > 0) stack.at(-1)!.text += text.slice(i + 9, end);
      advance(end + 3);
    } else if (text.startsWith('<?', i) || text.startsWith('<!', i)) {
      const end = text.indexOf('>', i);
      if (end === -1) throw new XmlError('unterminated declaration', line);
      advance(end + 1);
    } else if (text.startsWith('</', i)) {
      const m = /^<\/([^\s>]+)\s*>/.exec(text.slice(i, i + 300));
      if (!m) throw new XmlError('malformed end tag', line);
      const open = stack.pop();
      if (!open) throw new XmlError(`end tag </${m[1]}> without a start tag`, line);
      if (open.name !== m[1]) throw new XmlError(`end tag </${m[1]}> does not match <${open.name}> (line ${open.line})`, line);
      advance(i + m[0].length);
      open.end = i;
      if (stack.length === 0) roots.push(open);
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(i, i + 20_000));
      if (!m) throw new XmlError('malformed start tag', line);
      const attrs: Record<string, string> = {};
      for (const a of m[2]!.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '', line);
      const el: XmlElement = { name: m[1]!, attrs, children: [], text: '', line, start: i, end: i };
      stack.at(-1)?.children.push(el);
      advance(i + m[0].length);
      if (m[3] === '/') {
        el.end = i;
        if (stack.length === 0) roots.push(el);
      } else stack.push(el);
    }
  }
  if (stack.length > 0) throw new XmlError(`element <${stack.at(-1)!.name}> is never closed`, stack.at(-1)!.line);
  return roots;
}

/** Local name without a namespace prefix. */
export const localName = (name: string) => name.slice(name.indexOf(':') + 1);
export const child = (el: XmlElement, name: string) => el.children.find((c) => localName(c.name) === name);
