import { summarize, type Summary } from './stats';

export type Unit = 'ms' | '%' | 'KB' | 'count';

/** A figure measured over repeated runs. */
export interface Measured {
  readonly summary: Summary;
  readonly unit: Unit;
}

export function measured(samples: readonly number[], unit: Unit): Measured {
  return { summary: summarize(samples), unit };
}

export function inMs(samples: readonly number[]): Measured {
  return measured(samples, 'ms');
}

/** One line of the table. `ok` is undefined where the figure has no target (informative rows). */
export interface Row {
  readonly id: string;
  readonly what: string;
  readonly ours: Measured | string;
  readonly baseline: Measured | string;
  /** Ours against the baseline (ratio and difference of the medians), when there is a baseline. */
  readonly versus: string;
  readonly target: string;
  readonly ok: boolean | undefined;
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) {
    return '–';
  }
  switch (unit) {
    case 'ms':
      return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(1) : value.toFixed(3);
    case '%':
      return value.toFixed(value >= 1 ? 2 : 3);
    case 'KB':
      return value.toFixed(1);
    case 'count':
      return value.toFixed(0);
  }
}

/** `median [p25–p75] n=N unit`; with `wide`, min–max instead of the quartiles (few samples). */
export function formatMeasured(m: Measured | string, wide = false): string {
  if (typeof m === 'string') {
    return m;
  }
  const { summary: s, unit } = m;
  const f = (v: number): string => formatValue(v, unit);
  const suffix = unit === 'count' ? '' : ` ${unit}`;
  if (s.n === 1) {
    return `${f(s.median)}${suffix}`;
  }
  const spread = wide || s.n < 5 ? `${f(s.min)}–${f(s.max)}` : `${f(s.p25)}–${f(s.p75)}`;
  return `${f(s.median)}${suffix} [${spread}] n=${s.n}`;
}

/** Ratio and difference of two medians, e.g. `1.04× (+62 ms)`. */
export function versus(ours: Measured, baseline: Measured): string {
  const a = ours.summary.median;
  const b = baseline.summary.median;
  const diff = a - b;
  return `${(a / b).toFixed(2)}× (${diff >= 0 ? '+' : '−'}${formatValue(Math.abs(diff), ours.unit)} ${ours.unit})`;
}

const HEADER = ['id', 'what', 'ours: median [spread] n', 'baseline (same run)', 'ours vs baseline', 'target', 'met'];

export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.id, r.what, formatMeasured(r.ours), formatMeasured(r.baseline), r.versus, r.target, r.ok === undefined ? '–' : r.ok ? 'yes' : 'NO']);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: readonly string[]): string => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
