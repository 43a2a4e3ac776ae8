/** Non-empty lines of a text with their 1-based line numbers (CRLF tolerated). */
export function numberedLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split('\n').forEach((l, i) => {
    const s = l.replace(/\r$/, '');
    if (s.trim() !== '') out.push({ line: i + 1, text: s });
  });
  return out;
}
