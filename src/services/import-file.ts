import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import iconv from "iconv-lite";
import type { SourceRecord } from "../domain/import-columns.js";

/** Turns the bytes of a CSV file as French administrative tools write it (UTF-8 with or without a
 *  BOM, Windows-1252 from Excel, sometimes UTF-16 "Unicode text"; semicolons, commas or tabs) into
 *  records with their line numbers. */

export type CsvEncoding = "utf-8" | "windows-1252" | "utf-16le" | "utf-16be";
export type CsvDelimiter = ";" | "," | "\t";

export type CsvFile =
  | { ok: true; encoding: CsvEncoding; delimiter: CsvDelimiter; records: SourceRecord[] }
  | { ok: false; reason: "EMPTY" }
  | { ok: false; reason: "UNREADABLE"; line: number | null };

export function fileHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function decodeText(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { text: b.subarray(3).toString("utf8"), encoding: "utf-8" };
  if (b[0] === 0xff && b[1] === 0xfe) return { text: iconv.decode(b.subarray(2), "utf-16le"), encoding: "utf-16le" };
  if (b[0] === 0xfe && b[1] === 0xff) return { text: iconv.decode(b.subarray(2), "utf-16be"), encoding: "utf-16be" };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(b), encoding: "utf-8" };
  } catch {
    // Not valid UTF-8: Excel's "CSV (séparateur : point-virgule)" writes Windows-1252.
    return { text: iconv.decode(b, "win1252"), encoding: "windows-1252" };
  }
}

/** The separator of the first non-empty line: the one it holds most of (outside quotes). */
export function detectDelimiter(text: string): CsvDelimiter {
  const firstLine = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const unquoted = firstLine.replace(/"[^"]*"/g, "");
  const counts = ([";", ",", "\t"] as const).map((d) => ({ d, n: unquoted.split(d).length - 1 }));
  counts.sort((a, b) => b.n - a.n);
  return counts[0]!.n > 0 ? counts[0]!.d : ";";
}

export function readCsv(bytes: Uint8Array): CsvFile {
  const { text: raw, encoding } = decodeText(bytes);
  const text = raw.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (text.trim() === "") return { ok: false, reason: "EMPTY" };
  const delimiter = detectDelimiter(text);
  let parsed: { info: { lines: number }; record: string[] }[];
  try {
    parsed = parse(text, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true }) as unknown as typeof parsed;
  } catch (err) {
    const line = (err as { lines?: unknown }).lines;
    return { ok: false, reason: "UNREADABLE", line: typeof line === "number" ? line : null };
  }
  const records = parsed.map(({ info, record }) => {
    // info.lines is the line where the record ends; a quoted value may span several lines.
    const inner = record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    return { line: info.lines - inner, fields: record };
  });
  if (records.length === 0) return { ok: false, reason: "EMPTY" };
  return { ok: true, encoding, delimiter, records };
}
