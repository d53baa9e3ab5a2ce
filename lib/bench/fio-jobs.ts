// From job-file sections to runnable jobs, as fio builds them: `[global]` options apply to the
// jobs defined after them (fio's def_thread), a job starts from the globals so far and adds its
// own; fio's names and values are turned into rawio's JobOptions, or refused by name with the
// file and line (lib/bench/fio-catalog.ts). Pure.
import { UsageError } from '../errors'
import type { RwMode } from './binding'
import { applyCatalogRule, isOff, where } from './fio-catalog'
import { parseFioSize, parseFioTime, parseInteger } from './fio-units'
import type { JobFileOption, JobSection, SourceLine } from './jobfile'
import { type JobOptions, optionKey, optionTakesValue, rwModes, setOption } from './options'

export interface FioJob {
  /** The job's name: `name=`, else the section's. */
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
}

const FIO_ENGINES: Record<string, 'io_uring' | 'threads'> = {
  io_uring: 'io_uring',
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
  name: (b, o) => {
    b.job.name = o.value ?? b.job.name
    b.job.options.name = b.job.name
  },
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
    if (modifier !== undefined && modifier.trim() !== '' && Number.parseInt(modifier, 10) !== 0)
      fail(`rw modifiers (':${modifier}') are not implemented yet`)
    b.job.options.rw = rw as RwMode
  },
  bs: (b, o) => void (b.bsByDir = perDirection(o.value ?? '')),
  bsrange: (b, o, fail) => {
    const parts = (o.value ?? '').split(',').map((r) => {
      const [lo, hi] = r.split('-')
      if (hi === undefined) return lo
      const a = parseFioSize(lo, 'bsrange')
      if (a !== parseFioSize(hi, 'bsrange')) fail('bsrange with different bounds is not implemented yet')
      return lo
    })
    b.bsByDir = perDirection(parts.join(','))
  },
  blockalign: (b, o, fail) => checkAlign(b, o, fail),
  ba: (b, o, fail) => checkAlign(b, o, fail),
  sync: (b, o, fail) => {
    const v = (o.value ?? '1').toLowerCase()
    if (isOff(v)) return
    if (v === 'dsync') b.job.options.fua = true
    else fail(`sync=${o.value}: O_SYNC is not implemented; sync=dsync (RWF_DSYNC on every write) is`)
  },
  rate: (_b, o, fail) => {
    if (o.value && isOff(o.value)) return
    fail('rate (bandwidth caps) is not implemented yet; rate_iops is')
  },
  rate_iops: (b, o, fail) => {
    const parts = (o.value ?? '').split(',').filter((p) => p.trim() !== '')
    if (new Set(parts).size > 1) fail('separate read/write rate_iops values are not implemented')
    if (parts.length) setOption(b.job.options, 'rate_iops', parts[0])
  },
  verify: (b, o, fail) => {
    if (o.value === undefined || isOff(o.value)) return
    if (o.value !== 'stamp')
      fail(`fio's verify=${o.value} is not implemented; rawio verifies with --verify=stamp (docs/bench.md)`)
    b.job.options.verify = 'stamp'
  },
  randrepeat: (_b, o, fail) => {
    if (o.value !== undefined && isOff(o.value)) fail('randrepeat=0 is not implemented yet')
  },
  loops: (_b, o, fail) => {
    if (o.value !== '1') fail('loops is not implemented yet')
  },
  startdelay: (_b, o, fail) => {
    if (parseFioTime(o.value ?? '', 'startdelay') !== 0) fail('startdelay is not implemented yet')
  },
  thinktime: (_b, o, fail) => {
    if (parseFioTime(o.value ?? '', 'thinktime') !== 0) fail('thinktime is not implemented yet')
  },
  random_distribution: (_b, o, fail) => {
    if (o.value !== 'random') fail('random_distribution other than random is not implemented yet')
  },
  rate_process: (_b, o, fail) => {
    if (o.value !== 'linear') fail('rate_process=poisson is not implemented yet')
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
  if (engineName === 'libaio')
    fail(
      'ioengine=libaio refused: rawio has no Linux AIO engine yet; ioengine=io_uring sends the same requests through io_uring',
    )
  const engine = engineName === 'threads' ? 'threads' : FIO_ENGINES[engineName]
  if (!engine) fail(`ioengine=${engineName} refused: rawio runs io_uring and psync/sync/pvsync/pvsync2 only`)
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
  if (b.bsByDir && opts.bssplit === undefined) {
    const rw = opts.rw ?? 'read'
    const dirs = rw.includes('trim')
      ? [2]
      : rw === 'rw' || rw === 'randrw'
        ? [0, 1]
        : rw.includes('write')
          ? [1]
          : [0]
    const sizes = dirs.map((d) => {
      const text = b.bsByDir?.[d]?.trim()
      return text ? parseFioSize(text, 'bs') : 4096
    })
    if (new Set(sizes).size > 1)
      fail(`separate read/write block sizes (bs=${b.bsByDir.join(',')}) are not implemented yet`)
    opts.bs = sizes[0]
  }
  if (opts.bssplit !== undefined) delete opts.bs
  if (b.directory !== undefined) {
    if (opts.filename === undefined)
      fail(
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
    jobs.push(finish(b))
  }
  return { jobs, globals: current }
}
