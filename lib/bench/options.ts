// The bench option table (fio's names), as data the compiler checks for completeness,
// and the argv tokenizer. Pure: nothing here touches a device.
import { UsageError } from '../errors'
import type { BenchEngine, NativeDistribution, RwMode } from './binding'
import {
  parseBssplit,
  parseDistribution,
  parseFioSize,
  parseFioTime,
  parseInteger,
  parseRwModifier,
  parseSizeOrPercent,
  type SizeSpec,
} from './fio-units'
import { type LogJobOptions, logOptionTable } from './log-options'
import { type OutputFormat, type OutputOptions, parseOutputFormats } from './output-options'
import { type ReportJobOptions, reportOptionTable } from './report-options'
import { parseStartAt } from './start-at'

export const rwModes = ['read', 'write', 'randread', 'randwrite', 'rw', 'randrw', 'trim', 'randtrim'] as const
export type { OutputFormat, OutputOptions }

/** A job as the user states it; resolveJob() fills in defaults against the target. */
export interface JobOptions extends ReportJobOptions, LogJobOptions {
  name?: string
  filename?: string
  rw?: RwMode
  rwmixread?: number
  rwmixwrite?: number
  bs?: number
  bssplit?: Array<[number, number]>
  iodepth?: number
  iodepth_batch_submit?: number
  numjobs?: number
  size?: SizeSpec
  offset?: SizeSpec
  /** ns */
  runtime?: number
  time_based?: boolean
  io_size?: number
  number_ios?: number
  /** ns */
  ramp_time?: number
  direct?: boolean
  fua?: boolean
  fsync?: number
  fdatasync?: number
  engine?: BenchEngine | 'auto'
  fixedbufs?: boolean
  registerfiles?: boolean
  hipri?: boolean
  sqpoll?: boolean
  randseed?: number
  norandommap?: boolean
  /** fio's invalidate (default true): drop the target's page cache before the job. */
  invalidate?: boolean
  /** fio's fadvise_hint: `type` (its default: by rw), `random`, `sequential` or `none`. */
  fadvise_hint?: 'type' | 'random' | 'sequential' | 'none'
  rate_iops?: number
  align?: 'auto' | 'strict'
  verify?: string
  verify_seed?: number
  verify_gen?: number
  verify_bs?: number
  readonly?: boolean
  force?: boolean
  /** -U: take no image lock (as the shell's -U). */
  force_share?: boolean
  /** --start-at: epoch milliseconds at which the prepared job starts (docs/fleet.md). */
  start_at?: number
  /** fio's bs=R,W: the writes' block size. */
  bs_write?: number
  bssplit_write?: Array<[number, number]>
  /** fio's rw=MODE:N — sequential: bytes skipped after each request; random: requests per random offset. */
  rw_modifier?: number
  random_distribution?: NativeDistribution
  randrepeat?: boolean
  /** bytes per second */
  rate?: number
  rate_process?: 'linear' | 'poisson'
  /** ns */
  thinktime?: number
  /** ns */
  thinktime_spin?: number
  thinktime_blocks?: number
  loops?: number
  /** ns */
  startdelay?: number
  write_iolog?: string
}

export interface OptionDef<T> {
  arg?: string
  help: string
  /** Also accepted under these names (fio's alternatives). */
  alias?: readonly string[]
  /** Text -> value; absent for flags, which take no argument (or =0/=1). */
  parse?: (text: string) => T
  /** The value when given bare (`--precondition`): the value is then optional, never the next argument. */
  bare?: T
}

export type Table = { [K in keyof JobOptions]-?: OptionDef<NonNullable<JobOptions[K]>> }

const MAX = Number.MAX_SAFE_INTEGER
const oneOf =
  <T extends string>(what: string, values: readonly T[], map: Record<string, T> = {}) =>
  (text: string): T => {
    const v = map[text] ?? text
    if ((values as readonly string[]).includes(v)) return v as T
    throw new UsageError(`${what} '${text}' is not one of ${values.join(', ')}`)
  }

export const jobOptionTable: Table = {
  name: { arg: 'NAME', help: "a label for the job (fio's --name)", parse: (s) => s },
  filename: { arg: 'PATH', help: 'the target, instead of the TARGET operand', parse: (s) => s },
  rw: { arg: 'MODE', help: rwModes.join('|'), alias: ['readwrite'], parse: oneOf('rw', rwModes) },
  rwmixread: {
    arg: 'PCT',
    help: 'percent of reads in rw/randrw (default 50)',
    parse: (s) => parseInteger(s, 'rwmixread', 0, 100),
  },
  rwmixwrite: {
    arg: 'PCT',
    help: 'percent of writes in rw/randrw',
    parse: (s) => parseInteger(s, 'rwmixwrite', 0, 100),
  },
  bs: {
    arg: 'SIZE',
    help: 'block size (default 4k)',
    alias: ['blocksize'],
    parse: (s) => parseFioSize(s, 'bs'),
  },
  bssplit: { arg: 'LIST', help: 'block sizes with percentages, e.g. 4k/70:64k/30', parse: parseBssplit },
  iodepth: {
    arg: 'N',
    help: 'requests in flight per job (default 1)',
    parse: (s) => parseInteger(s, 'iodepth', 1, 4096),
  },
  iodepth_batch_submit: {
    arg: 'N',
    help: 'new requests per submit call (default 1, as fio; 0: all free slots)',
    alias: ['iodepth_batch'],
    parse: (s) => parseInteger(s, 'iodepth_batch_submit', 0, 4096),
  },
  numjobs: {
    arg: 'N',
    help: 'jobs, each its own thread and ring (default 1)',
    parse: (s) => parseInteger(s, 'numjobs', 1, 256),
  },
  size: {
    arg: 'SIZE|PCT%',
    help: 'region per job, from offset (default: to the end)',
    parse: (s) => parseSizeOrPercent(s, 'size'),
  },
  offset: {
    arg: 'OFF|PCT%',
    help: 'start of the region (default 0)',
    parse: (s) => parseSizeOrPercent(s, 'offset'),
  },
  runtime: {
    arg: 'TIME',
    help: 'stop after this long (10s, 500ms; bare numbers are seconds)',
    parse: (s) => parseFioTime(s, 'runtime'),
  },
  time_based: { help: 'loop over the region until runtime has passed' },
  io_size: {
    arg: 'SIZE',
    help: 'bytes per job (default: size)',
    alias: ['io_limit'],
    parse: (s) => parseFioSize(s, 'io_size'),
  },
  number_ios: { arg: 'N', help: 'requests per job', parse: (s) => parseInteger(s, 'number_ios', 1, MAX) },
  ramp_time: {
    arg: 'TIME',
    help: 'run this long before measuring',
    parse: (s) => parseFioTime(s, 'ramp_time'),
  },
  direct: { arg: '0|1', help: 'O_DIRECT (bypass the page cache)' },
  fua: { help: 'RWF_DSYNC on every write' },
  fsync: {
    arg: 'N',
    help: 'fsync after every N writes',
    parse: (s) => parseInteger(s, 'fsync', 0, 2 ** 32 - 1),
  },
  fdatasync: {
    arg: 'N',
    help: 'fdatasync after every N writes',
    parse: (s) => parseInteger(s, 'fdatasync', 0, 2 ** 32 - 1),
  },
  engine: {
    arg: 'ENGINE',
    help: 'io_uring|threads|libaio (default: io_uring when usable)',
    alias: ['ioengine'],
    parse: oneOf('engine', ['auto', 'io_uring', 'threads', 'libaio'] as const, {
      psync: 'threads',
      sync: 'threads',
      pvsync2: 'threads',
    }),
  },
  fixedbufs: { help: 'io_uring: registered buffers' },
  registerfiles: { help: 'io_uring: registered file' },
  hipri: { help: 'io_uring: polled completions (IORING_SETUP_IOPOLL; needs --direct=1)' },
  sqpoll: { help: 'io_uring: a kernel thread polls the submission queue' },
  randseed: {
    arg: 'N',
    help: 'seed of the random offsets (default 137)',
    parse: (s) => parseInteger(s, 'randseed', 0, MAX),
  },
  norandommap: { help: 'random offsets may repeat (default: each block once per pass)' },
  invalidate: {
    help: "drop the target's page cache before the job, as fio (default 1; 0 keeps it)",
  },
  fadvise_hint: {
    arg: '1|0|random|sequential',
    help: "posix_fadvise on each job's descriptor, as fio (default 1: by rw, so random jobs get no readahead)",
    parse: oneOf('fadvise_hint', ['type', 'random', 'sequential', 'none'] as const, {
      '1': 'type',
      true: 'type',
      '0': 'none',
      false: 'none',
    }),
  },
  rate_iops: {
    arg: 'N',
    help: 'cap each job at N requests per second',
    parse: (s) => parseInteger(s, 'rate_iops', 1, MAX),
  },
  align: {
    arg: 'auto|strict',
    help: 'O_DIRECT misalignment: auto rounds and warns, strict refuses',
    parse: oneOf('align', ['auto', 'strict'] as const),
  },
  verify: {
    arg: 'MODE',
    help: 'stamp: stamp every write, check reads (docs/bench.md, Verification)',
    parse: (s) => s,
  },
  verify_seed: {
    arg: 'N',
    help: "verify=stamp: the stamps' seed (default: randseed)",
    parse: (s) => parseInteger(s, 'verify_seed', 0, MAX),
  },
  verify_gen: {
    arg: 'N',
    help: "verify=stamp: the stamps' generation (default 1)",
    parse: (s) => parseInteger(s, 'verify_gen', 0, 2 ** 32 - 1),
  },
  verify_bs: {
    arg: 'SIZE',
    help: 'verify=stamp: stamp block size (default: bs; must divide every bs)',
    parse: (s) => parseFioSize(s, 'verify_bs'),
  },
  readonly: { help: 'forbid writes outright' },
  bs_write: {
    arg: 'SIZE',
    help: "block size of writes (fio's bs=R,W; default: bs)",
    parse: (s) => parseFioSize(s, 'bs_write'),
  },
  bssplit_write: { arg: 'LIST', help: "bssplit of writes (fio's bssplit=R,W)", parse: parseBssplit },
  rw_modifier: {
    arg: 'N',
    help: "fio's rw=MODE:N (sequential: bytes skipped after each request, <0 backwards; random: requests per random offset)",
    parse: (s) => parseRwModifier(s),
  },
  random_distribution: {
    arg: 'DIST',
    help: 'random, zipf[:theta], pareto[:h], normal[:dev][:center], zoned:PCT/PCT:... or zoned_abs:PCT/SIZE:...',
    parse: parseDistribution,
  },
  randrepeat: { arg: '0|1', help: 'the same random offsets every run (default 1)' },
  rate: {
    arg: 'BYTES',
    help: 'cap each job at BYTES per second',
    parse: (s) => parseFioSize(s, 'rate'),
  },
  rate_process: {
    arg: 'linear|poisson',
    help: 'how rate_iops spaces requests (poisson: exponential gaps)',
    parse: oneOf('rate_process', ['linear', 'poisson'] as const),
  },
  thinktime: {
    arg: 'TIME',
    help: 'pause this long after every thinktime_blocks requests (bare numbers are microseconds)',
    parse: (s) => parseFioTime(s, 'thinktime', 1e3),
  },
  thinktime_spin: {
    arg: 'TIME',
    help: 'of thinktime, spin this long (bare numbers are microseconds)',
    parse: (s) => parseFioTime(s, 'thinktime_spin', 1e3),
  },
  thinktime_blocks: {
    arg: 'N',
    help: 'requests between thinktime pauses (default 1)',
    parse: (s) => parseInteger(s, 'thinktime_blocks', 1, 2 ** 32 - 1),
  },
  loops: {
    arg: 'N',
    help: 'passes over the region (default 1)',
    parse: (s) => parseInteger(s, 'loops', 1, 2 ** 32 - 1),
  },
  startdelay: {
    arg: 'TIME',
    help: 'start the job this long after the others of its group',
    parse: (s) => parseFioTime(s, 'startdelay'),
  },
  write_iolog: {
    arg: 'FILE',
    help: "write the requests issued to FILE (fio's iolog version 2)",
    parse: (s) => s,
  },
  force: { help: 'write to a block device despite a signature or another holder (never when mounted)' },
  force_share: { help: 'take no image lock (-U); by default a write job takes the write lock' },
  start_at: {
    arg: 'TIME',
    help: 'hold the prepared job until TIME (ISO 8601, epoch seconds, or +DURATION): docs/fleet.md',
    parse: (s) => parseStartAt(s),
  },
  ...reportOptionTable,
  ...logOptionTable,
}

export interface BenchArgs {
  job: JobOptions
  output: OutputOptions
  target?: string
  help: boolean
  /** The job options as given (name, text), in order: fio's "job options" (bare flags are not listed, as in fio). */
  given: Array<[string, string]>
}

const BOOL_TEXT: Record<string, boolean> = {
  '1': true,
  true: true,
  yes: true,
  on: true,
  '0': false,
  false: false,
  no: false,
  off: false,
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]
    d[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return d[b.length]
}

const lookup = new Map<string, keyof JobOptions>()
for (const [name, def] of Object.entries(jobOptionTable) as Array<[keyof JobOptions, OptionDef<unknown>]>) {
  lookup.set(name, name)
  for (const a of def.alias ?? []) lookup.set(a, name)
}

/** The JobOptions key an option name (or alias) stands for, if rawio's table has it. */
export function optionKey(name: string): keyof JobOptions | undefined {
  return lookup.get(name.replace(/-/g, '_'))
}

/** Whether the option takes a value (false: a flag, given bare or as 0/1). */
export function optionTakesValue(key: keyof JobOptions): boolean {
  const def = jobOptionTable[key] as OptionDef<unknown>
  return def.parse !== undefined && def.bare === undefined
}

function unknown(name: string): UsageError {
  const names = [...lookup.keys(), 'output-format', 'output', 'report', 'quiet', 'help']
  const best = names.map((n) => [n, distance(name, n)] as const).sort((x, y) => x[1] - y[1])[0]
  const hint = best && best[1] <= 2 ? ` (did you mean --${best[0]}?)` : ''
  return new UsageError(`unknown option --${name}${hint}`)
}

/** Sets one option from its text (or `undefined` for a bare flag); used by the tokenizer and the library. */
export function setOption(job: JobOptions, name: string, text: string | undefined): void {
  const key = lookup.get(name.replace(/-/g, '_'))
  if (!key) throw unknown(name)
  const def = jobOptionTable[key] as OptionDef<unknown>
  let value: unknown
  if (!def.parse) {
    const b = text === undefined ? true : BOOL_TEXT[text.toLowerCase()]
    if (b === undefined) throw new UsageError(`--${name} takes 0 or 1, not '${text}'`)
    value = b
  } else {
    if (text === undefined && def.bare !== undefined) value = def.bare
    else if (text === undefined)
      throw new UsageError(`--${name} needs a value (--${name}=${def.arg ?? 'VALUE'})`)
    else value = def.parse(text)
  }
  ;(job as Record<string, unknown>)[key] = value
}

/** Whether an option takes a value (so `--name value` may use the next argument). */
function takesValue(name: string): boolean {
  const key = lookup.get(name.replace(/-/g, '_'))
  return key !== undefined && optionTakesValue(key)
}

/** argv (after `bench`) -> options, output settings and the TARGET operand. Throws UsageError. */
export function parseBenchArgs(args: readonly string[]): BenchArgs {
  const job: JobOptions = {}
  const output: OutputOptions = { formats: ['normal'], quiet: false }
  const given: Array<[string, string]> = []
  const operands: string[] = []
  let help = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') {
      operands.push(...args.slice(i + 1))
      break
    }
    if (arg === '-q' || arg === '--quiet') output.quiet = true
    else if (arg === '-C') output.formats = ['rawio-csv']
    else if (arg === '-U') job.force_share = true
    else if (arg === '-h' || arg === '--help') help = true
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = arg.slice(2, eq < 0 ? undefined : eq)
      let text = eq < 0 ? undefined : arg.slice(eq + 1)
      const isOutput = ['output-format', 'output_format', 'output', 'report'].includes(name)
      if (text === undefined && (isOutput || takesValue(name)) && i + 1 < args.length) text = args[++i]
      if (name === 'output-format' || name === 'output_format') {
        output.formats = parseOutputFormats(text ?? '')
      } else if (name === 'output') {
        if (!text) throw new UsageError('--output needs a file name (--output=FILE)')
        output.output = text
      } else if (name === 'report') {
        if (!text) throw new UsageError('--report needs a file name (--report=FILE)')
        output.report = text
      } else {
        setOption(job, name, text)
        if (text !== undefined) given.push([name, text])
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`)
    } else {
      operands.push(arg)
    }
  }
  if (operands.length > 1)
    throw new UsageError(`expected one TARGET, got ${operands.length}: ${operands.join(' ')}`)
  const target = operands[0] ?? job.filename
  if (operands[0] !== undefined && job.filename !== undefined && operands[0] !== job.filename)
    throw new UsageError('give the target either as TARGET or as --filename, not both')
  return { job, output, target, help, given }
}

/** The usage text, from the table. */
export function benchUsage(): string {
  const lines = [
    'usage: rawio bench [options] TARGET',
    '',
    'options (fio names; --name=value or --name value):',
  ]
  for (const [name, def] of Object.entries(jobOptionTable) as Array<[string, OptionDef<unknown>]>) {
    const left = `  --${name}${def.arg ? `=${def.arg}` : ''}`
    lines.push(`${left.padEnd(30)} ${def.help}`)
  }
  lines.push(`${'  --output-format=FMT[,FMT]'.padEnd(30)} normal|json|json+|terse|rawio-json|rawio-csv`)
  lines.push(`${'  --output=FILE'.padEnd(30)} write the report(s) to FILE instead of stdout`)
  lines.push(`${'  --report=FILE'.padEnd(30)} also write a self-contained HTML report (docs/report.md)`)
  lines.push(`${'  -C'.padEnd(30)} rawio's CSV line (--output-format=rawio-csv; docs/bench.md)`)
  lines.push(`${'  -q, --quiet'.padEnd(30)} no progress line`)
  lines.push(`${'  -U'.padEnd(30)} the same as --force_share`)
  return lines.join('\n')
}
