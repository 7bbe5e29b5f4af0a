/**
 * The three output formats of a report, from one description of it:
 * - table: for a terminal; columns padded by display width (string-width), so 赵雪 takes four columns like "ABCD"
 *   and Chinese names line up; numbers right-aligned.
 * - csv: RFC 4180 (CRLF line ends; a field with a comma, a quote or a line break is quoted, quotes doubled), one
 *   header line of the JSON keys. A text field that a spreadsheet would run as a formula (= + - @ at its start) is
 *   prefixed with ' (OWASP's advice against CSV injection): names come from people.
 * - json: an array of objects with the same keys in the same order for every row; instants as ISO 8601 strings.
 *
 * Free text (names) passes through maskPersonalData on its way out in every format: a phone number typed into a
 * name is shown as 138****5678.
 */
import stringWidth from 'string-width';
import { maskPersonalData } from '../shared/logger.ts';

/** A JSON value a report row may hold. */
export type Cell = string | number | boolean | null | Record<string, number>;
export type JsonRow = Record<string, Cell>;

export interface TableColumn<Row> {
  header: string;
  align: 'left' | 'right';
  text(row: Row): string;
}

export interface ReportView<Row> {
  rows: Row[];
  /** The table's columns (a selection for people; csv and json carry every key). */
  columns: TableColumn<Row>[];
  /** The row as JSON: every key, always in the same order. */
  json(row: Row): JsonRow;
}

const GAP = '  ';

/** Pads cells by display width; the header is underlined with dashes as wide as each column. */
export function renderTable<Row>(view: ReportView<Row>): string {
  const header = view.columns.map((c) => c.header);
  const body = view.rows.map((row) => view.columns.map((c) => maskPersonalData(c.text(row))));
  const widths = view.columns.map((_, i) => Math.max(stringWidth(header[i]!), ...body.map((cells) => stringWidth(cells[i]!))));
  const line = (cells: string[]) =>
    cells.map((cell, i) => pad(cell, widths[i]!, view.columns[i]!.align)).join(GAP).trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join(GAP), ...body.map(line)].join('\n') + '\n';
}

export function renderCsv<Row>(view: ReportView<Row>, keys: readonly string[]): string {
  const lines = [keys.map(csvField).join(',')];
  for (const row of view.rows) {
    const json = view.json(row);
    lines.push(keys.map((key) => csvField(csvText(json[key] ?? null))).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function renderJson<Row>(view: ReportView<Row>): string {
  return JSON.stringify(view.rows.map((row) => maskJson(view.json(row))), null, 2) + '\n';
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - stringWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** A cell as CSV text: counts by reason as `reason=n` joined with `;`, null as an empty field. */
function csvText(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'object') return Object.entries(value).map(([k, n]) => `${k}=${n}`).join(';');
  if (typeof value === 'string') {
    const masked = maskPersonalData(value);
    return /^[=+\-@\t\r]/.test(masked) ? `'${masked}` : masked;
  }
  return String(value);
}

/** RFC 4180: quote a field holding a comma, a quote, CR or LF; double the quotes inside. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function maskJson(row: JsonRow): JsonRow {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'string' ? maskPersonalData(value) : value]));
}
