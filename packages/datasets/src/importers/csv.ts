/** One parsed CSV row and the 1-based file line it starts on. */
export interface CsvRow {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 CSV: comma separated, fields optionally in double quotes, "" is an escaped quote,
 * quoted fields may span lines; CRLF or LF line ends. Throws on an unterminated quote or a stray
 * quote inside an unquoted field, naming the line.
 */
export function parseCsv(text: string, delimiter = ','): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const endRow = () => {
    fields.push(field);
    // A fully empty line is not a row.
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = s[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') throw new Error(`line ${line}: unexpected character after closing quote`);
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new Error(`line ${line}: quote inside an unquoted field`);
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      fieldStarted = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
      line++;
      rowLine = line;
    } else {
      field += c;
      fieldStarted = true;
      i++;
    }
  }
  if (quoted) throw new Error(`line ${rowLine}: unterminated quoted field`);
  if (field !== '' || fields.length > 0 || fieldStarted) endRow();
  return rows;
}
