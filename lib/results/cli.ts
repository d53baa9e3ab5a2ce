// `rawio report`, `rawio compare` and `rawio merge`: parse (a declarative option table per
// command), run (read the result files, build), report (stdout, or the file named by -o).
// Exit statuses: 0 done, 1 usage or input error, and for compare 1 on a regression too.
import { writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { formatReports } from '../bench/report-set'
import type { BenchResult } from '../bench/result'
import { UsageError } from '../errors'
import { reportHtml } from '../html/report-page'
import type { Sink } from '../report'
import { compareRuns, formatComparison } from './compare'
import { loadResult, readResultJson } from './load'
import { type HostResult, mergeHosts } from './merge'

type Kind = 'string' | 'flag'
interface OptionSpec {
  kind: Kind
  short?: string
  help: string
}

interface CommandSpec {
  usage: string
  summary: string
  options: Record<string, OptionSpec>
  minFiles: number
  maxFiles: number
}

export const resultCommands = {
  report: {
    usage: 'rawio report [-o FILE] [--title TEXT] RESULT.json...',
    summary: 'writes one self-contained HTML page with charts and tables for the results (overlaid)',
    options: {
      output: { kind: 'string', short: 'o', help: 'the HTML file to write (default: stdout)' },
      title: { kind: 'string', help: "the page's title" },
    },
    minFiles: 1,
    maxFiles: Number.POSITIVE_INFINITY,
  },
  compare: {
    usage: 'rawio compare [--threshold PCT] [--alpha P] [--html FILE] A.json B.json',
    summary: 'compares two results job by job; exit status 1 on a regression beyond the threshold',
    options: {
      threshold: { kind: 'string', help: 'smallest change that counts, in percent (default 5%)' },
      alpha: { kind: 'string', help: 'significance level of the noise test (default 0.05)' },
      html: { kind: 'string', help: 'also write the comparison as an HTML report' },
    },
    minFiles: 2,
    maxFiles: 2,
  },
  merge: {
    usage: 'rawio merge [-o FILE] RESULT.json...',
    summary: 'merges per-host json+ results into fio\'s client_stats shape with an "All clients" aggregate',
    options: {
      output: { kind: 'string', short: 'o', help: 'the JSON file to write (default: stdout)' },
    },
    minFiles: 1,
    maxFiles: Number.POSITIVE_INFINITY,
  },
} satisfies Record<string, CommandSpec>

export type ResultCommand = keyof typeof resultCommands

export interface ParsedResultArgs {
  help: boolean
  options: Record<string, string | true>
  files: string[]
}

/** Pure: `--name=value`, `--name value`, `-o value`, `--help`; files are the rest. */
export function parseResultArgs(cmd: ResultCommand, args: readonly string[]): ParsedResultArgs {
  const spec: CommandSpec = resultCommands[cmd]
  const out: ParsedResultArgs = { help: false, options: {}, files: [] }
  const byShort = new Map(
    Object.entries(spec.options).flatMap(([k, o]) => (o.short ? [[o.short, k] as const] : [])),
  )
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--help' || a === '-h') {
      out.help = true
      continue
    }
    if (a === '--') {
      out.files.push(...args.slice(i + 1))
      break
    }
    let name: string | undefined
    let value: string | undefined
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      name = eq < 0 ? a.slice(2) : a.slice(2, eq)
      value = eq < 0 ? undefined : a.slice(eq + 1)
      if (!(name in spec.options)) throw new UsageError(`unknown option '--${name}'`)
    } else if (a.startsWith('-') && a.length > 1) {
      name = byShort.get(a.slice(1, 2))
      if (!name) throw new UsageError(`unknown option '${a.slice(0, 2)}'`)
      value = a.length > 2 ? a.slice(2) : undefined
    } else {
      out.files.push(a)
      continue
    }
    const opt = spec.options[name]
    if (opt.kind === 'flag') {
      out.options[name] = true
      continue
    }
    if (value === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`option '--${name}' needs a value`)
      value = args[++i]
    }
    out.options[name] = value
  }
  if (!out.help && out.files.length < spec.minFiles)
    throw new UsageError(
      spec.minFiles === 2 && spec.maxFiles === 2 ? 'needs two result files' : 'needs a result file',
    )
  if (out.files.length > spec.maxFiles) throw new UsageError(`takes at most ${spec.maxFiles} result files`)
  return out
}

export function resultUsage(cmd: ResultCommand): string {
  const spec: CommandSpec = resultCommands[cmd]
  const lines = [`usage: ${spec.usage}`, '', spec.summary, '']
  for (const [name, o] of Object.entries(spec.options))
    lines.push(
      `  ${o.short ? `-${o.short}, ` : '    '}--${name}${o.kind === 'string' ? ' VALUE' : ''}  ${o.help}`,
    )
  return `${lines.join('\n')}\n`
}

/** "5", "5%", "0.5%" -> percent. */
export function parsePercent(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim())
  if (!m) throw new UsageError(`${what} must be a percentage such as 5% (got '${text}')`)
  return Number(m[1])
}

function parseAlpha(text: string): number {
  const v = Number(text)
  if (!(v > 0 && v < 1)) throw new UsageError(`--alpha must be between 0 and 1 (got '${text}')`)
  return v
}

function write(path: string | true | undefined, text: string, sink: Sink): void {
  if (typeof path === 'string' && path !== '-') {
    try {
      writeFileSync(path, text)
    } catch (e) {
      throw new UsageError(
        `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      )
    }
  } else sink.out(text)
}

/** rawio's own JSON becomes fio's json+ through the bench's one fio writer; fio's shape passes as is. */
function asFioPlus(doc: Record<string, unknown>): Record<string, unknown> {
  if (doc.schema !== 'rawio-bench/1') return doc
  const r = doc as unknown as BenchResult
  const end = r.started_at_ms !== undefined ? r.started_at_ms + r.elapsedNs / 1e6 : Date.now()
  const text = formatReports(
    [{ result: r, jobname: r.name, groupid: 0, given: [['filename', r.target.path]], error: 0 }],
    ['json+'],
    {
      rawioVersion: r.rawioVersion,
      startedAt: new Date(end - r.elapsedNs / 1e6),
      finishedAt: new Date(end),
      disksBefore: [],
    },
  )
  return JSON.parse(text) as Record<string, unknown>
}

function hostOf(path: string, doc: Record<string, unknown>): string {
  return typeof doc.hostname === 'string' && doc.hostname
    ? doc.hostname
    : basename(path).replace(/\.json$/, '')
}

async function execute(cmd: ResultCommand, p: ParsedResultArgs, sink: Sink): Promise<number> {
  switch (cmd) {
    case 'report': {
      const runs = p.files.map((f) => loadResult(f))
      const title = typeof p.options.title === 'string' ? p.options.title : undefined
      write(p.options.output, reportHtml(runs, { title }), sink)
      return 0
    }
    case 'compare': {
      const [a, b] = p.files.map((f) => loadResult(f))
      if (a.label === b.label) [a.label, b.label] = [`A: ${a.label}`, `B: ${b.label}`]
      const c = compareRuns(a, b, {
        thresholdPct:
          typeof p.options.threshold === 'string' ? parsePercent(p.options.threshold, '--threshold') : 5,
        alpha: typeof p.options.alpha === 'string' ? parseAlpha(p.options.alpha) : 0.05,
      })
      if (typeof p.options.html === 'string')
        write(
          p.options.html,
          reportHtml([a, b], { title: `rawio compare: ${a.label} vs ${b.label}`, comparison: c }),
          sink,
        )
      sink.out(formatComparison(c))
      return c.regressions.length > 0 ? 1 : 0
    }
    case 'merge': {
      const hosts: HostResult[] = p.files.map((f) => {
        const doc = readResultJson(f)
        if (typeof doc !== 'object' || doc === null) throw new UsageError(`${f}: not a JSON object`)
        const fio = asFioPlus(doc as Record<string, unknown>)
        return { hostname: hostOf(f, fio), doc: fio }
      })
      write(p.options.output, `${JSON.stringify(mergeHosts(hosts), null, 2)}\n`, sink)
      return 0
    }
  }
}

/** `rawio report|compare|merge ARGS`: the exit status. */
export async function runResultCli(cmd: ResultCommand, args: string[], sink: Sink): Promise<number> {
  try {
    const p = parseResultArgs(cmd, args)
    if (p.help) {
      sink.out(resultUsage(cmd))
      return 0
    }
    return await execute(cmd, p, sink)
  } catch (e) {
    sink.err(`rawio ${cmd}: ${(e as Error).message}\n`)
    if (e instanceof UsageError && /needs|unknown option|takes at most/.test(e.message))
      sink.err(resultUsage(cmd))
    return 1
  }
}
