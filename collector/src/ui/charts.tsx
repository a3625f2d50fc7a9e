// Charts drawn on the server as SVG: no script, no external library, readable when printed. Each
// has a title and a description for screen readers, and its numbers are also given as a table.
import { colon, formatDate, formatNumber, formatPercent, type Lang } from './format.ts';
import { ORIGIN_COLOURS, ORIGIN_ORDER } from './i18n.ts';

// Charts are given the page's language for their numbers and dates; French when not told.

export interface StackedRow {
  label: string;
  parts: Record<string, number>;
}

/** Horizontal bars, one per row, split by origin; each bar is the row's share of its own total. */
export function StackedBars(props: { rows: StackedRow[]; originLabel: (origin: string) => string; title: string; lang?: Lang }) {
  const lang = props.lang ?? 'fr';
  const width = 640;
  const labelWidth = 150;
  const barHeight = 26;
  const height = props.rows.length * (barHeight + 10) + 40;
  const present = ORIGIN_ORDER.filter((o) => props.rows.some((r) => (r.parts[o] ?? 0) > 0));
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {props.rows.map((row, i) => {
        const total = Object.values(row.parts).reduce((a, b) => a + b, 0) || 1;
        let x = labelWidth;
        const y = i * (barHeight + 10) + 4;
        return (
          <g>
            <text x={labelWidth - 8} y={y + barHeight / 2 + 5} text-anchor="end" font-size="13">
              {row.label}
            </text>
            {ORIGIN_ORDER.map((origin) => {
              const value = row.parts[origin] ?? 0;
              if (!value) return null;
              const w = ((width - labelWidth - 10) * value) / total;
              const rect = (
                <rect x={x} y={y} width={Math.max(w, 0.5)} height={barHeight} fill={ORIGIN_COLOURS[origin]}>
                  <title>{`${row.label} · ${props.originLabel(origin)}${colon(lang)}${formatNumber(lang, value, 0)} (${formatPercent(lang, Math.round((100 * value) / total), 0)})`}</title>
                </rect>
              );
              const label =
                w > 44 ? (
                  <text x={x + w / 2} y={y + barHeight / 2 + 5} text-anchor="middle" font-size="12" fill="#fff">
                    {formatPercent(lang, Math.round((100 * value) / total), 0)}
                  </text>
                ) : null;
              x += w;
              return (
                <>
                  {rect}
                  {label}
                </>
              );
            })}
          </g>
        );
      })}
      <g transform={`translate(${labelWidth}, ${height - 22})`}>
        {present.map((origin, i) => (
          <g transform={`translate(${i * 120}, 0)`}>
            <rect width="12" height="12" fill={ORIGIN_COLOURS[origin]} />
            <text x="16" y="11" font-size="12">
              {props.originLabel(origin)}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}

export interface Tile {
  label: string;
  value: number;
  origin: string;
}

/** A treemap (slice and dice, alternating direction) of the largest values. */
export function Treemap(props: { tiles: Tile[]; title: string; lang?: Lang }) {
  const lang = props.lang ?? 'fr';
  const width = 640;
  const height = 300;
  const tiles = props.tiles.filter((t) => t.value > 0).slice(0, 24);
  const out: { tile: Tile; x: number; y: number; w: number; h: number }[] = [];
  const layout = (items: Tile[], x: number, y: number, w: number, h: number, vertical: boolean) => {
    if (!items.length) return;
    if (items.length === 1) {
      out.push({ tile: items[0]!, x, y, w, h });
      return;
    }
    const total = items.reduce((a, t) => a + t.value, 0);
    // Split the sorted list in two halves of about equal weight.
    let acc = 0;
    let cut = 0;
    while (cut < items.length - 1 && acc + items[cut]!.value <= total / 2) acc += items[cut++]!.value;
    if (cut === 0) acc = items[cut++]!.value;
    const share = acc / total;
    if (vertical) {
      layout(items.slice(0, cut), x, y, w * share, h, !vertical);
      layout(items.slice(cut), x + w * share, y, w * (1 - share), h, !vertical);
    } else {
      layout(items.slice(0, cut), x, y, w, h * share, !vertical);
      layout(items.slice(cut), x, y + h * share, w, h * (1 - share), !vertical);
    }
  };
  layout(tiles, 0, 0, width, height, true);
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {out.map(({ tile, x, y, w, h }) => (
        <g>
          <rect x={x} y={y} width={w} height={h} fill={ORIGIN_COLOURS[tile.origin] ?? '#888'} stroke="#fff" stroke-width="2">
            <title>{`${tile.label}${colon(lang)}${formatNumber(lang, tile.value, 0)}`}</title>
          </rect>
          {w > 60 && h > 20 ? (
            <text x={x + 5} y={y + 16} font-size="12" fill="#fff">
              {tile.label.length * 7 > w - 8 ? `${tile.label.slice(0, Math.max(3, Math.floor((w - 8) / 7) - 1))}…` : tile.label}
            </text>
          ) : null}
        </g>
      ))}
    </svg>
  );
}

/** Simple horizontal bars of one colour per row. */
export function Bars(props: {
  rows: { label: string; value: number; origin?: string }[];
  title: string;
  unit?: string;
  format?: (value: number) => string;
  lang?: Lang;
}) {
  const lang = props.lang ?? 'fr';
  const width = 640;
  const labelWidth = 200;
  const barHeight = 20;
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  const height = props.rows.length * (barHeight + 6) + 4;
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {props.rows.map((row, i) => {
        const y = i * (barHeight + 6) + 2;
        const w = ((width - labelWidth - 60) * row.value) / max;
        return (
          <g>
            <text x={labelWidth - 8} y={y + 15} text-anchor="end" font-size="12">
              {row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label}
            </text>
            <rect x={labelWidth} y={y} width={Math.max(w, 1)} height={barHeight} fill={ORIGIN_COLOURS[row.origin ?? 'non_eu']} />
            <text x={labelWidth + w + 6} y={y + 15} font-size="12">
              {`${props.format ? props.format(row.value) : formatNumber(lang, row.value)}${props.unit ?? ''}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface Series {
  label: string;
  colour: string;
  values: (number | null)[];
}

/** Lines over days on a 0–100 scale, with optional targets drawn as dashed marks at their year's end. */
export function TrendLine(props: { days: string[]; series: Series[]; title: string; targets?: { label: string; year: number; value: number }[]; lang?: Lang }) {
  const lang = props.lang ?? 'fr';
  const width = 640;
  const height = 220;
  const left = 36;
  const right = 12;
  const top = 10;
  const bottom = 28;
  const first = props.days[0] ? Date.parse(props.days[0]) : Date.now();
  const lastDay = props.days[props.days.length - 1];
  const targetEnds = (props.targets ?? []).map((t) => Date.parse(`${t.year}-12-31`));
  const last = Math.max(lastDay ? Date.parse(lastDay) : first, ...targetEnds, first + 86_400_000);
  const x = (t: number) => left + ((width - left - right) * (t - first)) / (last - first);
  const y = (v: number) => top + ((height - top - bottom) * (100 - v)) / 100;
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {[0, 25, 50, 75, 100].map((v) => (
        <g>
          <line x1={left} x2={width - right} y1={y(v)} y2={y(v)} stroke="#ddd" />
          <text x={left - 4} y={y(v) + 4} text-anchor="end" font-size="10">
            {String(v)}
          </text>
        </g>
      ))}
      {props.days.length ? (
        <>
          <text x={left} y={height - 8} font-size="10">
            {formatDate(lang, props.days[0]!)}
          </text>
          <text x={width - right} y={height - 8} font-size="10" text-anchor="end">
            {formatDate(lang, new Date(last).toISOString().slice(0, 10))}
          </text>
        </>
      ) : null}
      {props.series.map((s) => {
        const points = s.values
          .map((v, i) => (v === null ? null : `${x(Date.parse(props.days[i]!)).toFixed(1)},${y(v).toFixed(1)}`))
          .filter((p): p is string => p !== null);
        return (
          <g>
            {points.length > 1 ? <polyline points={points.join(' ')} fill="none" stroke={s.colour} stroke-width="2" /> : null}
            {points.map((p) => {
              const [cx, cy] = p.split(',');
              return <circle cx={cx} cy={cy} r="3" fill={s.colour} />;
            })}
          </g>
        );
      })}
      {(props.targets ?? []).map((t) => {
        const tx = x(Date.parse(`${t.year}-12-31`));
        return (
          <g>
            <line x1={tx - 8} x2={tx + 8} y1={y(t.value)} y2={y(t.value)} stroke="#000" stroke-width="2" stroke-dasharray="3 2" />
            <text x={tx - 10} y={y(t.value) - 5} font-size="10" text-anchor="end">
              {`${t.label} ${t.year}${colon(lang)}${formatNumber(lang, t.value)}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** A headline figure, its label and an optional one-line explanation. */
export function Kpi(props: { value: string; label: string; help?: string }) {
  return (
    <div class="kpi">
      <div class="v">{props.value}</div>
      <div class="l">{props.label}</div>
      {props.help && (
        <div class="muted" style="font-size:.8rem">
          {props.help}
        </div>
      )}
    </div>
  );
}
