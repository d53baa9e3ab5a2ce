// fio's terse output, version 3 (stat.c: show_thread_status_terse_all, show_ddir_status_terse),
// one line per job entry, from the same entries as the JSON (pure). Latencies are in usec, as fio.
import { type DiskUtil, type FioJobInput, fioJobObject, percentileKey } from './fio-json'
import { fioPercentiles } from './stats'

const f6 = (x: number) => x.toFixed(6)
const us = (ns: number) => Math.floor(ns / 1000)

type LatJson = {
  min: number
  max: number
  mean: number
  stddev: number
  N: number
  percentile?: Record<string, number>
}
type DirJson = Record<string, number> & { slat_ns: LatJson; clat_ns: LatJson; lat_ns: LatJson }

function latFields(l: LatJson): string {
  return `;${us(l.min)};${us(l.max)};${f6(l.mean / 1000)};${f6(l.stddev / 1000)}`
}

/** show_ddir_status_terse for read or write. */
function dirFields(d: DirJson, runtimeMs: number, list: readonly number[]): string {
  const iops = runtimeMs ? Math.floor((1000 * d.total_ios) / runtimeMs) : 0
  const bw = runtimeMs ? Math.floor(Math.floor((1000 * d.io_bytes) / runtimeMs) / 1024) : 0
  let s = `;${d.io_kbytes};${bw};${iops};${d.runtime}`
  s += latFields(d.slat_ns)
  s += latFields(d.clat_ns)
  // lat_percentiles (rawio measures lat: docs/bench.md); 20 slots (FIO_IO_U_LIST_MAX_LEN)
  const values = d.lat_ns.percentile ?? {}
  for (let i = 0; i < 20; i++) {
    const p = list[i]
    s += p === undefined ? ';0%=0' : `;${percentileKey(p)}%=${us(values[percentileKey(p)] ?? 0)}`
  }
  s += latFields(d.lat_ns)
  s += d.bw_samples
    ? `;${d.bw_min};${d.bw_max};${f6(d.bw_agg)}%;${f6(d.bw_mean)};${f6(d.bw_dev)}`
    : `;0;0;${f6(0)}%;${f6(0)};${f6(0)}`
  return s
}

function pctFields(o: Record<string, number>, digits: number, width: number): string {
  return Object.values(o)
    .map((v) => `;${v.toFixed(digits).padStart(width)}%`)
    .join('')
}

/** One terse v3 line (with its newline). */
export function terseLine(
  input: FioJobInput,
  version: string,
  diskUtil: readonly DiskUtil[],
  list: readonly number[] = input.percentiles ?? fioPercentiles,
): string {
  const j = fioJobObject(input, false, 0, list) as Record<string, unknown>
  const read = j.read as DirJson
  const write = j.write as DirJson
  const runtime = (d: DirJson) => d.runtime as number
  let s = `3;${version};${input.jobname};${input.groupid};${input.error}`
  s += dirFields(read, runtime(read), list)
  s += dirFields(write, runtime(write), list)
  s += `;${f6(j.usr_cpu as number)}%;${f6(j.sys_cpu as number)}%;${j.ctx};${j.majf};${j.minf}`
  s += pctFields(j.iodepth_level as Record<string, number>, 1, 3)
  // stat_calc_lat_nu: the nanosecond rows are added to the first microsecond row
  const latUs = { ...(j.latency_us as Record<string, number>) }
  const nsTotal = Object.values(j.latency_ns as Record<string, number>).reduce((a, b) => a + b, 0)
  latUs['2'] += nsTotal
  s += pctFields(latUs, 2, 3)
  s += pctFields(j.latency_ms as Record<string, number>, 2, 3)
  for (const d of diskUtil)
    s += `;${d.name};${d.read_ios};${d.write_ios};${d.read_merges};${d.write_merges};${d.read_ticks};${d.write_ticks};${d.in_queue};${d.util.toFixed(2)}%`
  return `${s}\n`
}
