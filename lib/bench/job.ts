// A job's options resolved against its target: defaults filled in, every constraint checked
// with a message that names the mistake, and the native job built. Pure: the geometry and the
// engine report are handed in, so this is tested without a device.
import { UsageError } from '../errors'
import { MAX_STAMP_BLOCK, MIN_STAMP_BLOCK } from '../integrity/stamp-format'
import type { NativeGeometry } from '../native'
import type { BenchEngine, NativeBenchJob, RwMode } from './binding'
import { type SizeSpec, shortSize } from './fio-units'
import { type LogPlan, logNative, logPlan, logWarnings } from './log-options'
import type { JobOptions } from './options'
import type { PreconditionSummary } from './precondition'
import type { SteadyStateSpec } from './steady-state'

export interface TargetInfo {
  path: string
  geometry: NativeGeometry
}

export interface EngineAvailability {
  io_uring: boolean
  ioUringReason?: string
  libaio?: boolean
  libaioReason?: string
}

export interface ResolvedJob {
  /** What the native runner receives. */
  native: NativeBenchJob
  /** Adjustments made (align=auto) and notes, one line each. */
  warnings: string[]
  /** fio-style one-line description, e.g. `rw=randread bs=4k iodepth=32 ...`. */
  label: string
  name: string
  /** Steady-state rule (ss=, lib/bench/steady-state.ts): the job stops when it is attained. */
  steadyState?: SteadyStateSpec
  /** What --precondition wrote before the job (set when it ran). */
  precondition?: PreconditionSummary
  /** startdelay, ns: the job starts this long after its group. */
  startDelayNs: number
  /** write_iolog: where the requests issued go (fio's iolog version 2). */
  iologPath?: string
  /** fio's write_lat_log & co. (lib/bench/fio-logs.ts). */
  logs?: LogPlan
}

/** Requests kept for write_iolog (24 bytes each in the job thread). */
export const IOLOG_MAX = 4 * 2 ** 20

const DEFAULT_SEED = 0x89
const MAX_BUFFER_BYTES = 4 * 2 ** 30

const writesOf = (rw: RwMode) => rw === 'write' || rw === 'randwrite' || rw === 'rw' || rw === 'randrw'
const trimsOf = (rw: RwMode) => rw === 'trim' || rw === 'randtrim'

function fail(message: string): never {
  throw new UsageError(message)
}

/** The alignment O_DIRECT (or discard) needs, and how to name it in a message. */
function alignmentOf(geo: NativeGeometry, direct: boolean, trims: boolean): { unit: number; what: string } {
  if (geo.kind === 'block' && (direct || trims))
    return { unit: geo.logicalBlockSize, what: `the device's logical block size ${geo.logicalBlockSize}` }
  if (!direct) return { unit: 1, what: '' }
  if (geo.dioAlignSource === 'statx' && geo.dioOffsetAlign > 0)
    return { unit: geo.dioOffsetAlign, what: `the file's O_DIRECT alignment ${geo.dioOffsetAlign} (statx)` }
  return {
    unit: geo.logicalBlockSize,
    what: `the logical block size ${geo.logicalBlockSize} of the file's device`,
  }
}

function resolveSpec(spec: SizeSpec, total: number, unit: number): number {
  if ('bytes' in spec) return spec.bytes
  return Math.floor((total * spec.percent) / 100 / unit) * unit
}

function chooseEngine(
  want: JobOptions['engine'],
  engines: EngineAvailability,
  warnings: string[],
): BenchEngine {
  if (want === 'threads') return 'threads'
  if (want === 'libaio') {
    if (engines.libaio === false)
      fail(`engine libaio is not usable: ${engines.libaioReason ?? 'unknown reason'}`)
    return 'libaio'
  }
  if (engines.io_uring) return 'io_uring'
  if (want === 'io_uring') fail(`engine io_uring is not usable: ${engines.ioUringReason ?? 'unknown reason'}`)
  warnings.push(
    `io_uring is not usable (${engines.ioUringReason ?? 'unknown reason'}): using the threads engine`,
  )
  return 'threads'
}

export function resolveJob(opts: JobOptions, target: TargetInfo, engines: EngineAvailability): ResolvedJob {
  const warnings: string[] = []
  const geo = target.geometry
  const rw: RwMode = opts.rw ?? 'read'
  const writes = writesOf(rw)
  const trims = trimsOf(rw)
  const mixed = rw === 'rw' || rw === 'randrw'

  const verify = opts.verify !== undefined && !['0', 'none', ''].includes(opts.verify)
  if (verify && opts.verify !== 'stamp')
    fail(`unknown verify mode '${opts.verify}' (rawio has verify=stamp only)`)
  for (const flag of ['verify_seed', 'verify_gen', 'verify_bs'] as const)
    if (!verify && opts[flag] !== undefined) fail(`--${flag} needs --verify=stamp`)
  if (verify && trims) fail(`--verify=stamp checks reads and writes, but rw=${rw} trims`)
  if ((writes || trims) && opts.readonly)
    fail(`--readonly forbids writes, but rw=${rw} ${trims ? 'trims' : 'writes'}`)
  if ((writes || trims) && geo.readOnly)
    fail(`${target.path} is read-only, but rw=${rw} ${trims ? 'trims' : 'writes'}`)

  let rwmixread = 50
  if (
    opts.rwmixread !== undefined &&
    opts.rwmixwrite !== undefined &&
    opts.rwmixread + opts.rwmixwrite !== 100
  )
    fail(`rwmixread ${opts.rwmixread} and rwmixwrite ${opts.rwmixwrite} do not add up to 100`)
  if (opts.rwmixread !== undefined) rwmixread = opts.rwmixread
  else if (opts.rwmixwrite !== undefined) rwmixread = 100 - opts.rwmixwrite
  if (!mixed && (opts.rwmixread !== undefined || opts.rwmixwrite !== undefined))
    warnings.push(`rwmixread/rwmixwrite only apply to rw=rw and rw=randrw, not rw=${rw}`)

  for (const [flag, on] of [
    ['fua', opts.fua],
    ['fsync', !!opts.fsync],
    ['fdatasync', !!opts.fdatasync],
  ] as const) {
    if (on && !writes) fail(`--${flag} applies to writes, but rw=${rw} does not write`)
  }

  const engine = chooseEngine(opts.engine, engines, warnings)
  for (const flag of ['fixedbufs', 'registerfiles', 'hipri', 'sqpoll'] as const) {
    if (opts[flag] && engine !== 'io_uring') fail(`--${flag} needs --engine=io_uring`)
  }
  const direct = opts.direct ?? false
  if (opts.hipri && !direct) fail('--hipri needs --direct=1 (polled completions are for O_DIRECT only)')
  if (opts.hipri && (trims || opts.fsync || opts.fdatasync))
    fail('--hipri cannot run trim, fsync or fdatasync: IORING_SETUP_IOPOLL rings take reads and writes only')

  if (opts.bs !== undefined && opts.bssplit !== undefined) fail('give --bs or --bssplit, not both')
  if (opts.time_based && !opts.runtime) fail('--time_based needs --runtime')

  // Alignment: strict refuses, auto rounds and says so.
  const strict = (opts.align ?? 'auto') === 'strict'
  const { unit, what } = alignmentOf(geo, direct, trims)
  const align = (name: string, value: number, round: 'up' | 'down'): number => {
    if (value % unit === 0) return value
    if (strict) fail(`${name} ${value} is not a multiple of ${what}`)
    const fixed = round === 'up' ? Math.ceil(value / unit) * unit : Math.floor(value / unit) * unit
    warnings.push(`${name} ${value} is not a multiple of ${what}: using ${fixed} (--align=strict refuses)`)
    return fixed
  }
  let bs: number | Array<[number, number]>
  if (opts.bssplit) bs = opts.bssplit.map(([size, pct]) => [align('bssplit size', size, 'up'), pct])
  else bs = align('bs', opts.bs ?? 4096, 'up')
  let bsWrite: number | Array<[number, number]> | undefined
  if (opts.bssplit_write)
    bsWrite = opts.bssplit_write.map(([size, pct]) => [align('bssplit size', size, 'up'), pct])
  else if (opts.bs_write !== undefined) bsWrite = align('bs_write', opts.bs_write, 'up')
  if (bsWrite !== undefined && !writes) bsWrite = undefined // fio: the write size of a job that does not write does nothing
  if (bsWrite !== undefined && (rw === 'write' || rw === 'randwrite')) {
    bs = bsWrite // a pure write job: its one size
    bsWrite = undefined
  }
  const sizeList = (b: number | Array<[number, number]>) =>
    typeof b === 'number' ? [b] : b.map(([size]) => size)
  const sizes = [...sizeList(bs), ...(bsWrite === undefined ? [] : sizeList(bsWrite))]
  const maxBs = Math.max(...sizes)
  if (sizes.some((s) => s <= 0)) fail('bs must be at least 1 byte')
  if (maxBs > 2 ** 30) fail(`bs ${maxBs} is larger than 1 GiB`)

  const total = geo.size
  if (total === 0) fail(`${target.path} is empty (size 0): nothing to benchmark`)
  const offset = align('offset', resolveSpec(opts.offset ?? { bytes: 0 }, total, Math.max(unit, 1)), 'up')
  if (offset >= total) fail(`offset ${offset} is at or past the end of ${target.path} (${total} bytes)`)
  const wanted = opts.size ? resolveSpec(opts.size, total, Math.max(unit, 1)) : total - offset
  let size = align('size', wanted, 'down')
  // fio: a size that is not a multiple of the smallest block size grows to the next one (so
  // size=10k bs=4k reads 12k); a percentage shrinks to one.
  const minBs = Math.min(...sizes)
  if (opts.size && size % minBs !== 0) {
    const up = size - (size % minBs) + ('bytes' in opts.size ? minBs : 0)
    if (offset + up <= total) size = up
  }
  if (offset + size > total)
    fail(`offset ${offset} + size ${size} is past the end of ${target.path} (${total} bytes)`)
  if (size < maxBs) fail(`size ${size} is smaller than bs ${maxBs}`)

  const iodepth = opts.iodepth ?? 1
  const numjobs = opts.numjobs ?? 1
  const bufferBytes = (trims ? 4096 : maxBs) * iodepth * numjobs
  if (bufferBytes > MAX_BUFFER_BYTES)
    fail(
      `iodepth ${iodepth} x bs ${maxBs} x numjobs ${numjobs} needs ${bufferBytes} bytes of buffers (limit 4 GiB)`,
    )

  const verifyBs = verify ? stampBlockSize(opts, sizes, offset, geo) : 0
  const shape = workloadShape(opts, rw, { unit, what, strict, size, sizes, total, warnings })

  const native: NativeBenchJob = {
    path: target.path,
    direct,
    exclusive: geo.kind === 'block' && (writes || trims),
    rw,
    rwmixread: mixed ? rwmixread : rw.endsWith('read') ? 100 : 0,
    bs,
    iodepth,
    batchSubmit: opts.iodepth_batch_submit ?? 1,
    numjobs,
    offset,
    size,
    runtimeNs: opts.runtime ?? 0,
    timeBased: !!opts.time_based,
    ioSize: opts.io_size ?? 0,
    numberIos: opts.number_ios ?? 0,
    rampNs: opts.ramp_time ?? 0,
    fua: !!opts.fua,
    fsync: opts.fsync ?? 0,
    fdatasync: opts.fdatasync ?? 0,
    engine,
    fixedbufs: !!opts.fixedbufs,
    registerfiles: !!opts.registerfiles,
    hipri: !!opts.hipri,
    sqpoll: !!opts.sqpoll,
    randseed: opts.randseed ?? DEFAULT_SEED,
    norandommap: !!opts.norandommap,
    invalidate: opts.invalidate !== false,
    fadvise: fadviseOf(opts.fadvise_hint ?? 'type', rw),
    rateIops: opts.rate_iops ?? 0,
    memAlign: Math.max(4096, geo.dioMemAlign || 0),
    ...shape,
  }
  if (bsWrite !== undefined) native.bsWrite = bsWrite
  if (opts.randrepeat === false && opts.randseed === undefined)
    native.randseed = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER) // fio: a new seed every run
  if (opts.write_iolog) native.iologMax = IOLOG_MAX
  if (verify) {
    native.verify = true
    native.verifySeed = opts.verify_seed ?? native.randseed
    native.verifyGen = opts.verify_gen ?? 1
    native.verifyBs = verifyBs
  }
  if (opts.start_at !== undefined) native.startAtUs = Math.round(opts.start_at * 1000)
  const name = opts.name ?? 'bench'
  const logs = logPlan(opts, name)
  Object.assign(native, logNative(logs))
  warnings.push(...logWarnings(logs))
  return {
    native,
    warnings,
    label: labelOf(native),
    name,
    startDelayNs: opts.startdelay ?? 0,
    ...(opts.write_iolog ? { iologPath: opts.write_iolog } : {}),
    ...(logs ? { logs } : {}),
  }
}

interface ShapeContext {
  unit: number
  what: string
  strict: boolean
  size: number
  sizes: number[]
  total: number
  warnings: string[]
}

/** fio's workload shapes: rw=MODE:N, random_distribution, rate, rate_process, thinktime, loops. */
function workloadShape(opts: JobOptions, rw: RwMode, c: ShapeContext): Partial<NativeBenchJob> {
  const random = rw.startsWith('rand')
  const out: Partial<NativeBenchJob> = { targetSize: c.total }
  const mod = opts.rw_modifier
  if (mod !== undefined && mod !== 0) {
    if (random) {
      if (mod < 1 || !Number.isSafeInteger(mod))
        fail(`rw=${rw}:${mod}: a random job's modifier counts requests (1 or more)`)
      out.randSeqNr = mod
    } else {
      if (mod % c.unit !== 0) fail(`rw=${rw}:${mod}: the hole is not a multiple of ${c.what}`)
      out.seqAdd = mod
    }
  }
  const d = opts.random_distribution
  if (d && d.kind !== 'random') {
    if (!random) c.warnings.push(`random_distribution=${d.kind} applies to random jobs only, not rw=${rw}`)
    else {
      if (d.kind === 'zoned_abs') {
        const sum = (d.zones ?? []).reduce((a, [, bytes]) => a + bytes, 0)
        if (sum > c.size)
          fail(`random_distribution=zoned_abs: the zones (${sum} bytes) exceed the region (${c.size} bytes)`)
      }
      out.distribution = d
    }
  }
  if (opts.randrepeat === false) out.randRepeat = false
  if (opts.rate) out.rateBytes = opts.rate
  if (opts.rate_process === 'poisson') {
    if (!opts.rate_iops) fail('rate_process=poisson needs rate_iops (the gaps are drawn per request)')
    out.ratePoisson = true
  }
  if (opts.thinktime) {
    out.thinktimeNs = opts.thinktime
    out.thinktimeSpinNs = Math.min(opts.thinktime_spin ?? 0, opts.thinktime)
    out.thinktimeBlocks = opts.thinktime_blocks ?? 1
  } else if (opts.thinktime_spin || opts.thinktime_blocks) {
    c.warnings.push('thinktime_spin and thinktime_blocks do nothing without thinktime')
  }
  if (opts.loops && opts.loops > 1) {
    if (opts.time_based) c.warnings.push('loops does nothing in a time_based job (runtime ends it)')
    out.loops = opts.loops
  }
  return out
}

/** The stamp block size of a verify=stamp job: --verify_bs, or the job's one bs (or its smallest, when that divides the rest). */
function stampBlockSize(opts: JobOptions, sizes: number[], offset: number, geo: NativeGeometry): number {
  const minBs = Math.min(...sizes)
  let vbs = minBs
  if (opts.verify_bs !== undefined) {
    vbs = opts.verify_bs
    if (vbs % geo.logicalBlockSize !== 0)
      fail(`verify_bs ${vbs} is not a multiple of the logical block size ${geo.logicalBlockSize}`)
  }
  if (vbs < MIN_STAMP_BLOCK || vbs > MAX_STAMP_BLOCK || vbs % 4 !== 0)
    fail(
      `verify=stamp needs stamp blocks of ${MIN_STAMP_BLOCK} B .. 64 MiB, a multiple of 4; ${vbs} is not (give --verify_bs)`,
    )
  const odd = sizes.find((s) => s % vbs !== 0)
  if (odd !== undefined) fail(`verify_bs ${vbs} does not divide bs ${odd} (give --verify_bs)`)
  if (offset % vbs !== 0) fail(`offset ${offset} is not a multiple of the stamp block size ${vbs}`)
  return vbs
}

/** fio-style description of a job. */
export function labelOf(j: NativeBenchJob): string {
  const bs =
    typeof j.bs === 'number'
      ? `bs=${shortSize(j.bs)}`
      : `bssplit=${j.bs.map(([s, p]) => `${shortSize(s)}/${p}`).join(':')}`
  const parts = [
    `rw=${j.rw}`,
    bs,
    `iodepth=${j.iodepth}`,
    `numjobs=${j.numjobs}`,
    `engine=${j.engine}`,
    `direct=${j.direct ? 1 : 0}`,
  ]
  if (j.rw === 'rw' || j.rw === 'randrw') parts.splice(1, 0, `rwmixread=${j.rwmixread}`)
  if (j.fua) parts.push('fua=1')
  if (j.fsync) parts.push(`fsync=${j.fsync}`)
  if (j.fdatasync) parts.push(`fdatasync=${j.fdatasync}`)
  for (const f of ['fixedbufs', 'registerfiles', 'hipri', 'sqpoll', 'norandommap'] as const)
    if (j[f]) parts.push(f)
  if (j.rateIops) parts.push(`rate_iops=${j.rateIops}`)
  if (j.rateBytes) parts.push(`rate=${shortSize(j.rateBytes)}`)
  if (j.ratePoisson) parts.push('rate_process=poisson')
  if (j.seqAdd) parts.push(`seq_add=${j.seqAdd}`)
  if (j.randSeqNr && j.randSeqNr > 1) parts.push(`rand_seq_nr=${j.randSeqNr}`)
  if (j.distribution) {
    const dd = j.distribution
    const detail = dd.zones
      ? dd.zones.map(([a, z]) => `${a}/${z}`).join(':')
      : [dd.param, dd.center].filter((x) => x !== undefined).join(':')
    parts.push(`random_distribution=${dd.kind}${detail ? `:${detail}` : ''}`)
  }
  if (j.thinktimeNs) parts.push(`thinktime=${j.thinktimeNs / 1e3}us`)
  if (j.loops && j.loops > 1) parts.push(`loops=${j.loops}`)
  if (j.bsWrite !== undefined)
    parts.push(
      typeof j.bsWrite === 'number'
        ? `bs_write=${shortSize(j.bsWrite)}`
        : `bssplit_write=${j.bsWrite.map(([s, p]) => `${shortSize(s)}/${p}`).join(':')}`,
    )
  if (j.verify)
    parts.push(`verify=stamp verify_seed=${j.verifySeed} verify_gen=${j.verifyGen} verify_bs=${j.verifyBs}`)
  return parts.join(' ')
}

/** fio's fadvise_hint as POSIX_FADV_RANDOM (1) or POSIX_FADV_SEQUENTIAL (2); 0 for none. */
function fadviseOf(hint: NonNullable<JobOptions['fadvise_hint']>, rw: RwMode): number {
  if (hint === 'none') return 0
  if (hint === 'type') return rw.startsWith('rand') ? 1 : 2
  return hint === 'random' ? 1 : 2
}
