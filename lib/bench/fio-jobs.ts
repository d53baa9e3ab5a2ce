// From job-file sections to runnable jobs, as fio builds them: `[global]` options apply to the
// jobs defined after them (fio's def_thread), a job starts from the globals so far and adds its
// own; fio's names and values are turned into rawio's JobOptions, or refused by name with the
// file and line (lib/bench/fio-catalog.ts). Pure.
import { UsageError } from '../errors'
import type { BenchEngine, RwMode } from './binding'
import { applyCatalogRule, isOff, where } from './fio-catalog'
import { parseFioSize, parseInteger } from './fio-units'
import type { JobFileOption, JobSection, SourceLine } from './jobfile'
import { type JobOptions, optionKey, optionTakesValue, rwModes, setOption } from './options'

export interface FioJob {
  /** The job's name: the section's `name=`, else the section's name (a [global] name= does not count, as in fio). */
  name: string
  source: SourceLine
  options: JobOptions
  /** Starts a new group after the previous jobs have finished (stonewall, wait_for_previous). */
  stonewall: boolean
  newGroup: boolean
  /** Every option of the job, globals included, as given: fio's "job options". */
  given: Record<string, string>
  /** One line each: options accepted that have no effect on the I/O, and adjustments. */
  warnings: string[]
  /** Stop every job of the group when this one ends (exitall). */
  exitall: boolean
  /** fsync the target once the job is done (end_fsync, fsync_on_close). */
  endFsync: boolean
}

interface Build {
  job: FioJob
  /** bs=R,W,T as given (applied once rw is known). */
  bsByDir?: string[]
  ioengine?: { value: string; at: JobFileOption }
  directory?: string
  /** The last of rwmixread/rwmixwrite wins, as in fio. */
  mix?: ['rwmixread' | 'rwmixwrite', string]
  bssplitByDir?: string[]
  rateByDir?: { name: 'rate' | 'rate_iops'; values: string[] }
  rateIopsByDir?: { name: 'rate' | 'rate_iops'; values: string[] }
}

const FIO_ENGINES: Record<string, BenchEngine> = {
  io_uring: 'io_uring',
  libaio: 'libaio',
  psync: 'threads',
  sync: 'threads',
  pvsync: 'threads',
  pvsync2: 'threads',
  vsync: 'threads',
}
const SYNC_ENGINES = new Set(['psync', 'sync', 'pvsync', 'pvsync2', 'vsync'])

/** fio's aliases that rawio's table spells differently. */
const RENAMED: Record<string, string> = {
  timeout: 'runtime',
  sqthread_poll: 'sqpoll',
  blocksize: 'bs',
  readwrite: 'rw',
  iodepth_batch: 'iodepth_batch_submit',
  io_limit: 'io_size',
}

/** Options that shape the job set rather than one job's I/O. */
type Special = (b: Build, o: JobFileOption, fail: (why: string) => never) => void

const flag = (o: JobFileOption) => o.value === undefined || !isOff(o.value)

const special: Record<string, Special> = {
  // fio names a job after its section; only a name= in the section itself renames it (a
  // [global] name= is overwritten by each section's name: init.c get_new_job).
  name: () => {},
  stonewall: (b, o) => void (b.job.stonewall = flag(o)),
  wait_for_previous: (b, o) => void (b.job.stonewall = flag(o)),
  new_group: (b, o) => void (b.job.newGroup = flag(o)),
  exitall: (b, o) => void (b.job.exitall = flag(o)),
  end_fsync: (b, o) => void (b.job.endFsync ||= flag(o)),
  fsync_on_close: (b, o) => void (b.job.endFsync ||= flag(o)),
  directory: (b, o) => void (b.directory = o.value),
  ioengine: (b, o) => void (b.ioengine = { value: o.value ?? '', at: o }),
  buffered: (b, o) => void (b.job.options.direct = !flag(o)),
  kb_base: (_b, o, fail) => {
    if (o.value !== '1024') fail('kb_base=1000 is not implemented (sizes are read with kb_base=1024)')
  },
  rwmixread: (b, o) => void (b.mix = ['rwmixread', o.value ?? '']),
  rwmixwrite: (b, o) => void (b.mix = ['rwmixwrite', o.value ?? '']),
  rw: (b, o, fail) => {
    const [mode, modifier] = (o.value ?? '').split(':')
    const rw = mode === 'readwrite' ? 'rw' : mode
    if (!(rwModes as readonly string[]).includes(rw))
      fail(
        `rw '${o.value}' is not one of ${rwModes.join(', ')} (trimwrite and randtrimwrite are not implemented)`,
      )
    b.job.options.rw = rw as RwMode
    delete b.job.options.rw_modifier
    if (modifier !== undefined && modifier.trim() !== '') setOption(b.job.options, 'rw_modifier', modifier)
  },
  bs: (b, o) => void (b.bsByDir = perDirection(o.value ?? '')),
  bsrange: (b, o, fail) => {
    const parts = (o.value ?? '').split(',').map((r) => {
      const [lo, hi] = r.split('-')
      if (hi === undefined) return lo
      if (parseFioSize(lo, 'bsrange') !== parseFioSize(hi, 'bsrange'))
        fail('bsrange with different bounds is not implemented (give bssplit)')
      return lo
    })
    b.bsByDir = perDirection(parts.join(','))
  },
  bssplit: (b, o) => void (b.bssplitByDir = perDirection(o.value ?? '')),
  blockalign: (b, o, fail) => checkAlign(b, o, fail),
  ba: (b, o, fail) => checkAlign(b, o, fail),
  sync: (b, o, fail) => {
    const v = (o.value ?? '1').toLowerCase()
    if (isOff(v)) return
    if (v === 'dsync') b.job.options.fua = true
    else fail(`sync=${o.value}: O_SYNC is not implemented; sync=dsync (RWF_DSYNC on every write) is`)
  },
  rate: (b, o) => void (b.rateByDir = { name: 'rate', values: perDirection(o.value ?? '') }),
  rate_iops: (b, o) => void (b.rateIopsByDir = { name: 'rate_iops', values: perDirection(o.value ?? '') }),
  verify: (b, o, fail) => {
    if (o.value === undefined || isOff(o.value)) return
    if (o.value !== 'stamp')
      fail(`fio's verify=${o.value} is not implemented; rawio verifies with --verify=stamp (docs/bench.md)`)
    b.job.options.verify = 'stamp'
  },
  startdelay: (b, o, fail) => {
    if ((o.value ?? '').includes('-')) fail('startdelay ranges are not implemented')
    setOption(b.job.options, 'startdelay', o.value)
  },
  rate_ignore_thinktime: (_b, o, fail) => {
    if (!isOff(o.value)) fail('rate_ignore_thinktime is not implemented')
  },
  thinktime_blocks_type: (_b, o, fail) => {
    if (o.value !== 'complete')
      fail('thinktime_blocks_type=issue is not implemented (rawio pauses once the requests completed)')
  },
  thinktime_iotime: (_b, o, fail) => {
    if (!isOff(o.value)) fail('thinktime_iotime is not implemented')
  },
  rw_sequencer: (_b, o, fail) => {
    if (o.value !== 'sequential') fail('rw_sequencer=identical is not implemented')
  },
  random_distribution: (b, o, fail) => {
    if ((o.value ?? '').includes(',')) fail('separate read/write random distributions are not implemented')
    setOption(b.job.options, 'random_distribution', o.value)
  },
  filename: (b, o, fail) => {
    const names = (o.value ?? '').split(/(?<!\\):/).map((n) => n.replace(/\\:/g, ':'))
    if (names.length > 1) fail('filename lists (a:b) are not implemented: one file per job')
    b.job.options.filename = names[0]
  },
}

/** `R,W,T` values: without a trailing comma the last value given carries on, as in fio. */
function perDirection(text: string): string[] {
  const parts = text.split(',')
  const last = parts[parts.length - 1]
  while (parts.length < 3) parts.push(last)
  return parts
}

function checkAlign(b: Build, o: JobFileOption, fail: (why: string) => never): void {
  const values = (o.value ?? '').split(',').filter((v) => v.trim() !== '')
  const bs = b.bsByDir?.find((v) => v.trim() !== '')
  const min = bs ? parseFioSize(bs, 'bs') : 4096
  for (const v of values)
    if (parseFioSize(v, 'blockalign') !== min && parseFioSize(v, 'blockalign') !== 0)
      fail(`blockalign=${o.value}: only the block size (${min}) is implemented`)
}

function applyOption(b: Build, o: JobFileOption): void {
  const fail = (why: string): never => {
    throw new UsageError(`${where(o, b.job.name)} ${why}`)
  }
  b.job.given[o.name] = o.value ?? ''
  const name = RENAMED[o.name] ?? o.name
  const handler = special[name]
  if (handler) {
    handler(b, o, fail)
    return
  }
  const key = optionKey(name)
  if (key) {
    if (o.value === undefined && optionTakesValue(key)) fail(`option ${o.name} requires an argument`)
    try {
      setOption(b.job.options, name, o.value)
    } catch (e) {
      fail((e as Error).message.replace(/^--/, ''))
    }
    return
  }
  const warning = applyCatalogRule(o, b.job.name)
  if (warning === undefined) fail(`${o.name}: not an option rawio knows (refused before any I/O)`)
  if (warning) b.job.warnings.push(warning)
}

/** Settles what depends on several options: engine and depth, bs per direction, the mix, paths. */
function finish(b: Build): FioJob {
  const { job } = b
  const opts = job.options
  const at = b.ioengine?.at ?? job.source
  const fail = (why: string): never => {
    throw new UsageError(`${where(at, job.name)} ${why}`)
  }
  const engineName = (b.ioengine?.value ?? opts.engine ?? 'psync').replace(/^auto$/, 'io_uring')
  const engine = engineName === 'threads' ? 'threads' : FIO_ENGINES[engineName]
  if (!engine)
    fail(`ioengine=${engineName} refused: rawio runs io_uring, libaio and psync/sync/pvsync/pvsync2 only`)
  opts.engine = engine
  if (SYNC_ENGINES.has(engineName) && (opts.iodepth ?? 1) > 1) {
    job.warnings.push(
      `${where(at, job.name)} iodepth=${opts.iodepth} with ioengine=${engineName}: queue depth capped at 1, as fio does`,
    )
    opts.iodepth = 1
  }
  if (b.mix) {
    const [name, value] = b.mix
    const pct = parseInteger(value, name, 0, 100)
    opts.rwmixread = name === 'rwmixread' ? pct : 100 - pct
    delete opts.rwmixwrite
  }
  const failJob = (why: string): never => {
    throw new UsageError(`${where(job.source, job.name)} ${why}`)
  }
  const rw = opts.rw ?? 'read'
  const trims = rw.includes('trim')
  const mixed = rw === 'rw' || rw === 'randrw'
  // bs=R,W,T and bssplit=R,W,T: reads and trims take theirs, writes theirs (native bsWrite).
  const pick = (values: string[]) => (trims ? values[2] : values[0])?.trim() ?? ''
  if (b.bssplitByDir) {
    const [r, w] = [pick(b.bssplitByDir), b.bssplitByDir[1]?.trim() ?? '']
    if (r) setOption(opts, 'bssplit', r)
    if (w && w !== r && !trims) setOption(opts, 'bssplit_write', w)
  } else if (b.bsByDir) {
    const [r, w] = [pick(b.bsByDir), b.bsByDir[1]?.trim() ?? '']
    if (r) setOption(opts, 'bs', r)
    if (w && !trims && parseFioSize(w, 'bs') !== (opts.bs ?? 4096)) setOption(opts, 'bs_write', w)
  }
  if (opts.bssplit !== undefined) delete opts.bs
  for (const rate of [b.rateByDir, b.rateIopsByDir]) {
    if (!rate) continue
    const used = (mixed ? [0, 1] : trims ? [2] : rw.includes('write') ? [1] : [0]).map(
      (d) => rate.values[d]?.trim() ?? '',
    )
    const given = used.filter((v) => v !== '' && !isOff(v))
    if (given.length === 0) continue
    if (mixed)
      failJob(
        `${rate.name}=${rate.values.join(',')} in a mixed job: fio caps reads and writes separately, rawio caps the job's total only`,
      )
    setOption(opts, rate.name, given[0])
  }
  if (b.directory !== undefined) {
    if (opts.filename === undefined)
      failJob(
        `directory=${b.directory} without filename=: rawio does not create fio's JOB.N.0 files; give filename=`,
      )
    else if (!opts.filename.startsWith('/'))
      opts.filename = `${b.directory.replace(/\/$/, '')}/${opts.filename}`
  }
  return job
}

/**
 * The jobs of a run, in order, from sections read off the command line and the job files.
 * `stonewallFirst`: the first job of this list waits for the jobs before it (fio puts a
 * stonewall between job files).
 */
export function jobsFromSections(
  sections: readonly JobSection[],
  globals: JobFileOption[] = [],
): {
  jobs: FioJob[]
  globals: JobFileOption[]
} {
  const jobs: FioJob[] = []
  let current = [...globals]
  for (const s of sections) {
    if (s.global) {
      current = [...current, ...s.options]
      continue
    }
    const job: FioJob = {
      name: s.name,
      source: { file: s.file, line: s.line },
      options: {},
      stonewall: false,
      newGroup: false,
      given: {},
      warnings: [],
      exitall: false,
      endFsync: false,
    }
    const b: Build = { job }
    // fio parses the ioengine first (sort_options), so engine options see it.
    const all = [...current, ...s.options]
    for (const o of all.filter((x) => x.name === 'ioengine')) applyOption(b, o)
    for (const o of all.filter((x) => x.name !== 'ioengine')) applyOption(b, o)
    job.name = s.options.filter((o) => o.name === 'name').pop()?.value ?? s.name
    job.options.name = job.name
    jobs.push(finish(b))
  }
  return { jobs, globals: current }
}
