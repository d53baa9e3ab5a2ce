// fio 3.33 and the tools of Debian's fio package, as references for bench's output: probes that
// say why a test must skip, and a runner that returns what fio printed.
import { spawnSync } from 'node:child_process'

/** null when `tool` runs (its --help or --version exits), else why not. */
export function toolUnavailable(tool: string, args = ['--help']): string | null {
  const r = spawnSync(tool, args, { encoding: 'utf8' })
  if (r.error)
    return `${tool} is not installed (${(r.error as NodeJS.ErrnoException).code}); scripts/setup.sh installs fio`
  return null
}

export function fioUnavailable(): string | null {
  const r = spawnSync('fio', ['--version'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) return 'fio is not installed (scripts/setup.sh installs it)'
  return null
}

/** Runs fio, throws on a non-zero status; returns stdout. */
export function runFio(args: string[], cwd?: string): string {
  const r = spawnSync('fio', args, { encoding: 'utf8', cwd })
  if (r.status !== 0) throw new Error(`fio ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

/** Runs a tool; returns status, stdout and stderr. */
export function runTool(tool: string, args: string[], cwd?: string) {
  const r = spawnSync(tool, args, { encoding: 'utf8', cwd, timeout: 120_000 })
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error }
}

/** Every key path of a JSON value, maps whose keys are data (bins, percentiles, options) as one path. */
export function keyPaths(x: unknown, dataKeys: readonly string[], prefix = ''): string[] {
  if (Array.isArray(x)) return x.length ? keyPaths(x[0], dataKeys, `${prefix}[]`) : [`${prefix}[]`]
  if (x === null || typeof x !== 'object') return []
  const out: string[] = []
  for (const [k, v] of Object.entries(x)) {
    const p = `${prefix}/${k}`
    out.push(p)
    if (!dataKeys.includes(k)) out.push(...keyPaths(v, dataKeys, p))
  }
  return out
}
