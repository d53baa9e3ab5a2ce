// The noise tests of `rawio compare`, against values from the literature and scipy.stats.
import { describe, expect, it } from 'vitest'
import {
  incompleteBeta,
  mannWhitney,
  normalCdf,
  studentTwoSided,
  welch,
} from '../../lib/results/significance'

describe('normal and Student distributions', () => {
  it('normalCdf matches the table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7)
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6)
    expect(normalCdf(-2.575829)).toBeCloseTo(0.005, 6)
  })
  it('incompleteBeta and the two-sided t', () => {
    expect(incompleteBeta(0.5, 2, 2)).toBeCloseTo(0.5, 10)
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 10)
    // scipy.stats.t.sf(2.0, 10) * 2 = 0.07338803
    expect(studentTwoSided(2.0, 10)).toBeCloseTo(0.073388, 5)
    // scipy: 2 * t.sf(3.5, 4) = 0.024896
    expect(studentTwoSided(3.5, 4)).toBeCloseTo(0.024896, 5)
  })
})

describe('Mann-Whitney U', () => {
  it('exact p for small samples without ties (scipy mannwhitneyu, method=exact)', () => {
    // Complete separation of 5 and 5: p = 2/252.
    expect(mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(2 / 252, 10)
    // scipy.stats.mannwhitneyu([1,3,5,7,9],[2,4,6,8,10]).pvalue = 0.6904761904761905
    expect(mannWhitney([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).p).toBeCloseTo(0.690476, 5)
  })
  it('normal approximation with ties (scipy, method=asymptotic, use_continuity=True)', () => {
    const x = [10, 10, 12, 13, 13, 13, 15, 16, 18, 20, 21, 22]
    const y = [11, 13, 14, 16, 16, 17, 19, 21, 23, 23, 24, 25, 27]
    // scipy.stats.mannwhitneyu(x, y, method='asymptotic').pvalue = 0.046386
    expect(mannWhitney(x, y).p).toBeCloseTo(0.046386, 4)
  })
  it('identical samples are not different; a shift of 10 sigma is', () => {
    const base = Array.from({ length: 30 }, (_, i) => 1000 + ((i * 37) % 17))
    expect(mannWhitney(base, base).p).toBeGreaterThan(0.9)
    expect(
      mannWhitney(
        base,
        base.map((v) => v + 200),
      ).p,
    ).toBeLessThan(1e-6)
  })
})

describe("Welch's t-test", () => {
  it('matches scipy.stats.ttest_ind_from_stats(equal_var=False)', () => {
    // ttest_ind_from_stats(10, 2, 20, 12, 3, 25, equal_var=False).pvalue = 0.010687
    expect(welch({ mean: 10, stddev: 2, n: 20 }, { mean: 12, stddev: 3, n: 25 }).p).toBeCloseTo(0.010687, 4)
  })
})
