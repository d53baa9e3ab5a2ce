// Small SVG line charts for the HTML report: linear or log axes, several series with a legend,
// a marker per data point (so a reader can hover it and a test can count it), colours and dash
// patterns that stay apart when printed in grey. No library: what the report needs is a few
// axes and polylines, and rawio's own code keeps the page small and offline (docs/report.md).
// Pure: returns markup.
import { escapeHtml } from './escape'

export interface ChartSeries {
  name: string
  points: Array<[number, number]>
}

export interface ChartSpec {
  id: string
  title: string
  xLabel: string
  yLabel: string
  xScale?: 'linear' | 'log' | 'nines'
  yScale?: 'linear' | 'log'
  series: ChartSeries[]
  xFormat?: (v: number) => string
  yFormat?: (v: number) => string
}

const W = 720
const H = 300
const M = { left: 72, right: 16, top: 12, bottom: 44 }
export const palette = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
]
export const dashes = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 4', '12 2']

/** p (percent) on the "nines" axis: 90 -> 1, 99 -> 2, 99.9 -> 3. */
export function nines(p: number): number {
  return -Math.log10(Math.max(1e-9, 1 - p / 100))
}

function transform(scale: 'linear' | 'log' | 'nines', v: number): number {
  if (scale === 'log') return Math.log10(Math.max(v, 1e-12))
  if (scale === 'nines') return nines(v)
  return v
}

/** 1-2-5 steps for a linear axis, about n ticks. */
function linearTicks(lo: number, hi: number, n = 6): number[] {
  if (hi <= lo) return [lo]
  const raw = (hi - lo) / n
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag
  const out: number[] = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)))
  return out
}

function ticks(scale: 'linear' | 'log' | 'nines', lo: number, hi: number): number[] {
  if (scale === 'log') {
    const out: number[] = []
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) out.push(10 ** e)
    return out
  }
  if (scale === 'nines') return [0, 50, 90, 99, 99.9, 99.99, 99.999].filter((p) => nines(p) <= hi + 1e-9)
  return linearTicks(lo, hi)
}

export function chartSvg(spec: ChartSpec): string {
  const xs = spec.xScale ?? 'linear'
  const ys = spec.yScale ?? 'linear'
  const all = spec.series
    .flatMap((s) => s.points)
    .filter(([x, y]) => (xs !== 'log' || x > 0) && (ys !== 'log' || y > 0))
  const tx = all.map(([x]) => transform(xs, x))
  const ty = all.map(([, y]) => transform(ys, y))
  let [x0, x1] = tx.length ? [Math.min(...tx), Math.max(...tx)] : [0, 1]
  let [y0, y1] = ty.length ? [Math.min(...ty), Math.max(...ty)] : [0, 1]
  if (ys === 'linear') y0 = Math.min(0, y0)
  if (ys === 'log') [y0, y1] = [Math.floor(y0), Math.ceil(y1)]
  if (xs === 'log') [x0, x1] = [Math.floor(x0), Math.ceil(x1)]
  if (x1 === x0) x1 = x0 + 1
  if (y1 === y0) y1 = y0 + 1
  if (ys === 'linear') y1 += (y1 - y0) * 0.05
  const px = (x: number) => M.left + ((transform(xs, x) - x0) / (x1 - x0)) * (W - M.left - M.right)
  const py = (y: number) => H - M.bottom - ((transform(ys, y) - y0) / (y1 - y0)) * (H - M.top - M.bottom)
  const fx = spec.xFormat ?? ((v: number) => String(v))
  const fy = spec.yFormat ?? ((v: number) => String(v))
  const parts: string[] = []
  const titleId = `${spec.id}-title`
  parts.push(
    `<svg class="chart" id="${spec.id}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${titleId}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${titleId}">${escapeHtml(spec.title)}</title>`,
  )
  // Axes and grid.
  const xTicks = ticks(xs, x0, x1)
  const yTicks = ticks(ys, y0, y1)
  parts.push('<g class="grid">')
  for (const t of yTicks) {
    const y = py(t)
    if (y < M.top - 0.5 || y > H - M.bottom + 0.5) continue
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`,
      `<text class="tick" x="${M.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${escapeHtml(fy(t))}</text>`,
    )
  }
  for (const t of xTicks) {
    const x = px(t)
    if (x < M.left - 0.5 || x > W - M.right + 0.5) continue
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}"/>`,
      `<text class="tick" x="${x.toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${escapeHtml(fx(t))}</text>`,
    )
  }
  parts.push('</g>')
  parts.push(
    `<rect class="frame" x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}"/>`,
    `<text class="axis" x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    `<text class="axis" transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`,
  )
  spec.series.forEach((s, i) => {
    const color = palette[i % palette.length]
    const dash = dashes[i % dashes.length]
    const pts = s.points.filter(([x, y]) => (xs !== 'log' || x > 0) && (ys !== 'log' || y > 0))
    const path = pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
    parts.push(`<g class="series" data-series="${escapeHtml(s.name)}" data-points="${pts.length}">`)
    if (pts.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.8"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${path}"/>`,
      )
    for (const [x, y] of pts)
      parts.push(
        `<circle class="pt" cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.2" fill="${color}"><title>${escapeHtml(`${s.name}: ${fx(x)}, ${fy(y)}`)}</title></circle>`,
      )
    parts.push('</g>')
  })
  parts.push('</svg>')
  return parts.join('')
}

/** The legend, as HTML beside the chart (so it wraps and prints well). */
export function legendHtml(names: readonly string[]): string {
  const items = names.map((n, i) => {
    const dash = dashes[i % dashes.length]
    const swatch = `<svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke="${palette[i % palette.length]}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/></svg>`
    return `<li>${swatch} ${escapeHtml(n)}</li>`
  })
  return `<ul class="legend">${items.join('')}</ul>`
}
