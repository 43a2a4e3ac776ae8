import { createReadStream } from 'node:fs';

export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** The line's bytes without the newline; null when it exceeded maxBytes (never buffered). */
  bytes: Buffer | null;
  /** Size in bytes, counted even when oversized. */
  size: number;
}

/**
 * Streams a file as lines of raw bytes, holding at most one line (up to maxBytes) in memory.
 * Splitting on the byte 0x0A is safe for UTF-8: it never occurs inside a multi-byte character.
 */
export async function* readRawLines(path: string, maxBytes: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversized = false;
  let line = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      size += piece.length;
      if (size > maxBytes) {
        oversized = true;
        parts = [];
      } else if (piece.length > 0) {
        // Copy: the stream may reuse chunk memory.
        parts.push(Buffer.from(piece));
      }
      if (nl === -1) break;
      yield { line: ++line, bytes: oversized ? null : Buffer.concat(parts), size };
      parts = [];
      size = 0;
      oversized = false;
      start = nl + 1;
    }
  }
  // A last line without a trailing newline still counts.
  if (size > 0) yield { line: ++line, bytes: oversized ? null : Buffer.concat(parts), size };
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes strictly: invalid UTF-8 throws instead of becoming U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}
