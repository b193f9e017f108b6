/** How a column of {@link alignedRows} is aligned. */
export type Alignment = 'left' | 'right';

/**
 * Rows of cells as lines, each column as wide as its widest cell (numbers right-aligned when `align`
 * says so), indented by two spaces and two spaces apart; trailing spaces are cut.
 *
 * @example
 * ```ts
 * alignedRows([['pages', '12'], ['blocks', '1,024']], ['left', 'right']);
 * // ['  pages      12', '  blocks  1,024']
 * ```
 */
export function alignedRows(rows: readonly (readonly string[])[], align: readonly Alignment[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `  ${row.map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

/** A `_dlt_loads.status` in words: 0 `completed`, 1 `incomplete` (checkpoints committed, the final commit not, yet or ever). */
export function loadStatus(status: unknown): string {
  switch (Number(status)) {
    case 0:
      return 'completed';
    case 1:
      return 'incomplete';
    default:
      return `status ${String(status)}`;
  }
}

/** A time as ISO 8601 in UTC (`2026-11-26T10:00:00.000Z`), whatever form the destination returned it in. */
export function isoTime(value: unknown): string {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  return date === undefined || Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** Milliseconds as `850 ms`, `12.3 s` or `4 min 05 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** An integer with thousands separators (`12,345`). */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
