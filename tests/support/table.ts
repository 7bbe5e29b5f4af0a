import stringWidth from 'string-width';

/** Marks the second terminal column of a wide character. */
const FILL = '\u0000';

/**
 * Reads a report table by display width: the dashes line under the header gives each column's span in terminal
 * columns; every line is cut at those spans (failing if a cut falls inside a wide character or a cell spills into
 * the gap between columns), so a test sees the cells exactly where a terminal shows them.
 */
export function tableCells(table: string): string[][] {
  const lines = table.replace(/\n$/, '').split('\n');
  const spans = [...lines[1]!.matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length] as const);
  return lines.filter((_, i) => i !== 1).map((line) => {
    const columns: string[] = [];
    for (const char of line) columns.push(char, ...Array<string>(Math.max(0, stringWidth(char) - 1)).fill(FILL));
    const cut = (start: number, end: number) => {
      if (columns[start] === FILL || columns[end] === FILL) throw new Error(`columns ${start}..${end} cut a wide character in ${JSON.stringify(line)}`);
      return columns.slice(start, end).filter((c) => c !== FILL).join('');
    };
    return spans.map(([start, end], i) => {
      if (i > 0 && cut(spans[i - 1]![1], start).trim() !== '') throw new Error(`a cell spills into the gap before column ${i + 1}: ${JSON.stringify(line)}`);
      return cut(start, end).trim();
    });
  });
}
