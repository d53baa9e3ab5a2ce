// fio's iodepth_level as its accounting makes it, whatever the device's timing: what both tools'
// json must hold for a size-bound job at iodepth_batch_submit=1 (the default of both).
import { expect } from 'vitest'

export const LEVEL_KEYS = ['1', '2', '4', '8', '16', '32', '>=64']

/**
 * fio counts each commit's requests in the bucket of cur_depth, the requests held at that moment,
 * new ones included (io_u.c io_u_mark_depth, from ioengines.c td_io_commit), and shows each
 * bucket as a percentage of all requests, a non-zero one at least 0.1 (stat.c stat_calc_dist).
 * With iodepth_batch_submit=1 every request is its own commit, and the job loop reaps only once
 * the queue is full (backend.c do_io: queue_full, the free list empty). So, for a job of `ios`
 * requests at a power-of-two `iodepth` (>= 4): nothing is counted above iodepth; the first fill
 * counts depth 1, then 2 and 3; every fill ends at depth iodepth except perhaps the last (the job
 * ran out of requests), and no fill is longer than iodepth, so at least ceil(ios/iodepth)-1
 * requests went at depth iodepth. How the rest spread below iodepth (one completion per reap: all
 * at iodepth, as fio's reaps of one; iodepth per reap: 1 in iodepth) is the device's timing and
 * the reap size, not a property to test.
 */
export function depthLevelsByConstruction(level: Record<string, number>, ios: number, iodepth: number) {
  expect(Object.keys(level)).toEqual(LEVEL_KEYS)
  const pct = (n: number) => Math.max(0.1, (n / ios) * 100)
  const eps = 1e-4 // fio prints 6 decimals
  for (const k of LEVEL_KEYS.filter((k) => k === '>=64' || Number(k) > iodepth))
    expect(level[k], `iodepth_level['${k}']`).toBe(0)
  expect(level['1'], "iodepth_level['1']").toBeGreaterThanOrEqual(pct(1) - eps)
  expect(level['2'], "iodepth_level['2']").toBeGreaterThanOrEqual(pct(2) - eps)
  const full = String(iodepth)
  expect(level[full], `iodepth_level['${full}']`).toBeGreaterThanOrEqual(
    pct(Math.ceil(ios / iodepth) - 1) - eps,
  )
  const total = Object.values(level).reduce((s, n) => s + n, 0)
  expect(total).toBeGreaterThan(100 - eps)
  expect(total).toBeLessThan(100 + 0.1 * LEVEL_KEYS.length) // the 0.1 floor can add a little
}
