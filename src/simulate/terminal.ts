import stringWidth from 'string-width';

/**
 * Text layout for a terminal: columns aligned by display width (a Chinese character takes two columns, an emoji
 * two, a combining mark none: string-width knows), and horizontal bar charts drawn with eighth blocks.
 */
export type Align = 'left' | 'right';

export function displayWidth(text: string): number {
  return stringWidth(text);
}

export function pad(text: string, width: number, align: Align = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/** Rows under a header, each column as wide as its widest cell, two spaces apart; trailing spaces trimmed. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) => (indent + cells.map((c, i) => pad(c, widths[i]!, align[i] ?? 'left')).join('  ')).trimEnd();
  return [line(header), ...rows.map(line)];
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** One line per item: label, a bar scaled to the largest value (`width` columns at most), the value. */
export function barChart(items: readonly { label: string; value: number }[], width = 40, indent = '  '): string[] {
  const max = Math.max(0, ...items.map((i) => i.value));
  const labelWidth = Math.max(0, ...items.map((i) => displayWidth(i.label)));
  const valueWidth = Math.max(0, ...items.map((i) => formatCount(i.value).length));
  return items.map((item) => {
    const eighths = max === 0 ? 0 : Math.round((item.value / max) * width * 8);
    const bar = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
    return `${indent}${pad(item.label, labelWidth)}  ${pad(bar, width)}  ${pad(formatCount(item.value), valueWidth, 'right')}`;
  });
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
