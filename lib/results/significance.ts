// Is a change beyond the noise? Two tests, chosen by what the results carry:
// - per-interval samples on both sides (rawio's per-second series): the Mann-Whitney U test
//   (two-sided; exact distribution for small samples without ties, else the normal
//   approximation with tie and continuity corrections). It assumes nothing about the shape of
//   the distribution, which matters for IOPS series with stalls and bursts.
// - only a mean, standard deviation and sample count (fio's iops_mean/iops_stddev/iops_samples):
//   Welch's t-test.
// Pure.

export interface TestResult {
  test: 'mann-whitney' | 'welch'
  /** Two-sided p-value. */
  p: number
  n1: number
  n2: number
}

/** The standard normal CDF. */
export function normalCdf(z: number): number {
  // Zelen & Severo (A&S 26.2.17), |error| < 7.5e-8.
  const t = 1 / (1 + 0.2316419 * Math.abs(z))
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2)
  const q =
    d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))))
  return z >= 0 ? 1 - q : q
}

/** Ranks with ties averaged (1-based), and the tie correction term sum(t^3 - t). */
function ranks(values: readonly number[]): { rank: number[]; ties: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
  const rank = new Array<number>(values.length)
  let ties = 0
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++
    const r = (i + j + 2) / 2
    for (let k = i; k <= j; k++) rank[order[k][1]] = r
    const t = j - i + 1
    ties += t * t * t - t
    i = j + 1
  }
  return { rank, ties }
}

/** Number of arrangements giving each U, for samples of n1 and n2 without ties. */
function exactUDistribution(n1: number, n2: number): number[] {
  // f[i][j][u]: ways to get U = u with i and j items; built by the standard recurrence.
  let prev: number[][] = Array.from({ length: n2 + 1 }, () => [1])
  for (let i = 1; i <= n1; i++) {
    const cur: number[][] = [[1]]
    for (let j = 1; j <= n2; j++) {
      const a = prev[j] // last item from sample 1: it exceeds all j of sample 2
      const b = cur[j - 1] // last item from sample 2
      const len = i * j + 1
      const f = new Array<number>(len).fill(0)
      for (let u = 0; u < a.length; u++) if (u + j < len) f[u + j] += a[u]
      for (let u = 0; u < b.length; u++) f[u] += b[u]
      cur.push(f)
    }
    prev = cur
  }
  return prev[n2]
}

export function mannWhitney(x: readonly number[], y: readonly number[]): TestResult {
  const n1 = x.length
  const n2 = y.length
  if (n1 === 0 || n2 === 0) return { test: 'mann-whitney', p: 1, n1, n2 }
  const { rank, ties } = ranks([...x, ...y])
  const r1 = rank.slice(0, n1).reduce((a, b) => a + b, 0)
  const u1 = r1 - (n1 * (n1 + 1)) / 2
  const mean = (n1 * n2) / 2
  if (ties === 0 && n1 + n2 <= 40) {
    const dist = exactUDistribution(n1, n2)
    const total = dist.reduce((a, b) => a + b, 0)
    const u = Math.min(u1, n1 * n2 - u1)
    let tail = 0
    for (let k = 0; k <= Math.floor(u + 1e-9); k++) tail += dist[k]
    return { test: 'mann-whitney', p: Math.min(1, (2 * tail) / total), n1, n2 }
  }
  const n = n1 + n2
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)))
  if (variance <= 0) return { test: 'mann-whitney', p: 1, n1, n2 }
  const z = (Math.abs(u1 - mean) - 0.5) / Math.sqrt(variance)
  return { test: 'mann-whitney', p: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))), n1, n2 }
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const xx = x - 1
  let a = c[0]
  const t = xx + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (xx + i)
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a)
}

/** The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a)
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let f = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + num * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + num / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    f *= d * c
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + num * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + num / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    f *= delta
    if (Math.abs(delta - 1) < 1e-12) break
  }
  return (front * f) / a
}

/** Two-sided p of Student's t with df degrees of freedom. */
export function studentTwoSided(t: number, df: number): number {
  return incompleteBeta(df / (df + t * t), df / 2, 0.5)
}

export function welch(
  a: { mean: number; stddev: number; n: number },
  b: { mean: number; stddev: number; n: number },
): TestResult {
  const va = (a.stddev * a.stddev) / a.n
  const vb = (b.stddev * b.stddev) / b.n
  if (a.n < 2 || b.n < 2) return { test: 'welch', p: 1, n1: a.n, n2: b.n }
  if (va + vb === 0) return { test: 'welch', p: a.mean === b.mean ? 1 : 0, n1: a.n, n2: b.n }
  const t = (a.mean - b.mean) / Math.sqrt(va + vb)
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1))
  return { test: 'welch', p: studentTwoSided(t, df), n1: a.n, n2: b.n }
}
