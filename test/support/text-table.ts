/**
 * A plain-text table for the eval commands' output: first column left-aligned, the others right-aligned, a rule under
 * the header row.
 *
 * @example
 * console.log(table([['intent', 'pass'], ['refund', '1.000']]));
 */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, n) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}
