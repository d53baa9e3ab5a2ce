// fio's job-file format, read as fio 3.33 reads it (init.c __parse_jobs_ini, options.c
// fio_option_dup_subs / fio_keyword_replace, parse.c strip_blank_end): `[section]` headers,
// `[global]` sections, whole-line and trailing `;`/`#` comments, `include FILE` (relative to
// the including file when not found as given; options only, no sections), `${VAR}` from the
// environment (always substituted, empty when unset), `$pagesize`/`$mb_memory`/`$ncpus`, and
// arithmetic on a value that had a keyword substituted (fio hands it to bc). Pure: the file
// reader, environment and keyword values are handed in.
import { UsageError } from '../errors'
import { evalFioExpression } from './fio-expr'

/** Where a line came from, for messages: `job.fio:12`. */
export interface SourceLine {
  file: string
  line: number
}

export interface JobFileOption extends SourceLine {
  /** The option's name as written (`rw`, `readwrite`, `time_based`). */
  name: string
  /** The value after `=`, substitutions done; undefined for a bare `name`. */
  value?: string
}

export interface JobSection extends SourceLine {
  name: string
  global: boolean
  options: JobFileOption[]
}

export interface JobFileContext {
  /** Reads a job file or an include; throws when missing. */
  read(path: string): string
  /** Whether a path exists (an include is tried relative to its file when it does not). */
  exists(path: string): boolean
  env: Readonly<Record<string, string | undefined>>
  keywords: { pagesize: number; mb_memory: number; ncpus: number }
}

const MAX_INCLUDE_DEPTH = 16

/** `${VAR}` -> the variable's value (empty when unset), as fio_option_dup_subs. */
export function substituteEnv(text: string, env: JobFileContext['env']): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? '')
}

/**
 * `$pagesize`, `$mb_memory`, `$ncpus` -> their values; when one was replaced and the value holds
 * + - * or /, it is computed (fio runs bc on it).
 */
export function substituteKeywords(text: string, kw: JobFileContext['keywords'], where: string): string {
  let replaced = false
  const out = text.replace(/\$(pagesize|mb_memory|ncpus)/g, (_, word: keyof typeof kw) => {
    replaced = true
    return String(kw[word])
  })
  if (!replaced) return out
  const eq = out.indexOf('=')
  if (eq < 0 || !/[-+*/]/.test(out.slice(eq + 1))) return out
  const value = evalFioExpression(out.slice(eq + 1), where)
  return `${out.slice(0, eq + 1)}${value}`
}

/** A line without its comment (`;` or `#` anywhere) and surrounding blanks, as strip_blank_end. */
function stripLine(text: string): string {
  let cut = text.length
  for (const c of [';', '#']) {
    const i = text.indexOf(c)
    if (i >= 0 && i < cut) cut = i
  }
  return text.slice(0, cut).trim()
}

function splitOption(text: string, at: SourceLine, ctx: JobFileContext): JobFileOption {
  const where = `${at.file}:${at.line}`
  const expanded = substituteKeywords(substituteEnv(text, ctx.env), ctx.keywords, where)
  const eq = expanded.indexOf('=')
  if (eq < 0) return { ...at, name: expanded.trim() }
  const name = expanded.slice(0, eq).trim()
  if (name === '') throw new UsageError(`${where}: option '${text}' has no name`)
  return { ...at, name, value: expanded.slice(eq + 1).trim() }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i < 0 ? '' : path.slice(0, i + 1)
}

/**
 * Reads a job file into its sections, in order. Options before the first section are refused
 * (`option <x> outside of [] job section`), as fio does; so are sections inside an include.
 */
export function parseJobFile(path: string, ctx: JobFileContext): JobSection[] {
  const sections: JobSection[] = []
  const addLines = (file: string, depth: number, into: JobSection | null): void => {
    let text: string
    try {
      text = ctx.read(file)
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message
      throw new UsageError(`unable to open '${file}' job file (${why})`)
    }
    let current = into
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; i++) {
      const at = { file, line: i + 1 }
      const raw = lines[i].trim()
      if (raw === '' || raw[0] === ';' || raw[0] === '#') continue
      if (raw[0] === '[') {
        if (depth > 0) throw new UsageError(`${file}:${i + 1}: no new sections in included files`)
        const m = /^\[([^\]\n]*)\]/.exec(raw)
        if (!m || m[1].trim() === '') throw new UsageError(`${file}:${i + 1}: bad section header '${raw}'`)
        const name = m[1]
        current = { ...at, name, global: name.startsWith('global'), options: [] }
        sections.push(current)
        continue
      }
      const line = stripLine(raw)
      if (line === '') continue
      if (!current) throw new UsageError(`${file}:${i + 1}: option <${line}> outside of [] job section`)
      if (/^include\s/.test(line)) {
        if (depth >= MAX_INCLUDE_DEPTH)
          throw new UsageError(`${file}:${i + 1}: includes nested more than ${MAX_INCLUDE_DEPTH} deep`)
        let target = line.slice('include'.length).trim()
        if (!ctx.exists(target) && !target.startsWith('/') && dirOf(file)) target = dirOf(file) + target
        addLines(target, depth + 1, current)
        continue
      }
      current.options.push(splitOption(line, at, ctx))
    }
  }
  addLines(path, 0, null)
  return sections
}

/**
 * Command-line options as fio sees them next to job files: those before the first `--name`
 * are global (fio's def_thread), each `--name=X` starts a job section of its own.
 */
export function commandLineSections(
  options: ReadonlyArray<{ name: string; value?: string }>,
  ctx: Pick<JobFileContext, 'env' | 'keywords'>,
): JobSection[] {
  const at = { file: 'command line', line: 0 }
  const global: JobSection = { ...at, name: 'global', global: true, options: [] }
  const sections = [global]
  let current = global
  for (const o of options) {
    const text = o.value === undefined ? o.name : `${o.name}=${o.value}`
    const opt = splitOption(text, at, { ...ctx, read: () => '', exists: () => false })
    if (opt.name === 'name') {
      current = { ...at, name: opt.value ?? '', global: opt.value === 'global', options: [] }
      sections.push(current)
      continue
    }
    current.options.push(opt)
  }
  return sections
}
