// Golden transcripts: the scripts (test/golden/scripts), their fixtures, qemu's iotests filter, the
// normalisations for rawio's documented differences, and a runner (in-process or a real process).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { main } from '../../lib/cli/main'
import { hex } from '../../lib/printf'
import { stringSink } from '../../lib/report'
import { cvtstr } from '../../lib/units'

export const ROOT = resolve(__dirname, '../..')
export const SCRIPTS = join(__dirname, 'scripts')
export const TRANSCRIPTS = join(__dirname, 'transcripts')

export type FixtureKind = 'zero' | 'sparse' | 'pattern'
export interface Fixture {
  name: string
  size: number
  kind: FixtureKind
}

export interface Script {
  name: string
  options: string[]
  commands: string[]
  fixtures: Fixture[]
  useFile: boolean
  useFormat: boolean
  stdin: boolean
  spawn: boolean
  differs: Set<string>
}

/** numfmt --from=iec: 64k, 1M, 2G. */
export function iecSize(s: string): number {
  const m = /^(\d+)([KMGT]?)$/i.exec(s)
  if (!m) throw new Error(`bad fixture size '${s}'`)
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2].toUpperCase() || ' ')
}

export function parseScript(name: string, text: string): Script {
  const s: Script = {
    name,
    options: [],
    commands: [],
    fixtures: [],
    useFile: true,
    useFormat: true,
    stdin: false,
    spawn: false,
    differs: new Set(),
  }
  let image: Fixture = { name: 'img', size: 1 << 20, kind: 'zero' }
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  for (const line of lines) {
    const words = (prefix: string) => line.slice(prefix.length).trim().split(/\s+/).filter(Boolean)
    if (line.startsWith('#! options:')) s.options.push(...words('#! options:'))
    else if (line.startsWith('#! image:')) {
      const [size, kind] = words('#! image:')
      image = { name: 'img', size: iecSize(size), kind: kind as FixtureKind }
    } else if (line.startsWith('#! file:')) {
      const [fname, size, kind] = words('#! file:')
      s.fixtures.push({ name: fname, size: iecSize(size), kind: kind as FixtureKind })
    } else if (line === '#! nofile') s.useFile = false
    else if (line === '#! noformat') s.useFormat = false
    else if (line === '#! stdin') s.stdin = true
    else if (line === '#! spawn') s.spawn = true
    else if (line.startsWith('#! differs:')) for (const w of words('#! differs:')) s.differs.add(w)
    else if (line.startsWith('#')) continue
    else s.commands.push(line)
  }
  s.fixtures.unshift(image)
  return s
}

export function loadScript(name: string): Script {
  return parseScript(name, readFileSync(join(SCRIPTS, `${name}.txt`), 'utf8'))
}

/** The same bytes as golden-record.sh's make_fixture. */
export function makeFixture(dir: string, f: Fixture): void {
  const path = join(dir, f.name)
  if (f.kind === 'sparse') {
    writeFileSync(path, '')
    spawnSync('truncate', ['-s', String(f.size), path])
    return
  }
  const buf = Buffer.alloc(f.size)
  if (f.kind === 'pattern') for (let i = 0; i < f.size; i++) buf[i] = i & 255
  writeFileSync(path, buf)
}

export interface Transcript {
  stdout: string
  stderr: string
  status: number
  /** fixture name -> sha256 */
  sha256: Map<string, string>
}

export function readTranscript(name: string): Transcript | null {
  const dir = join(TRANSCRIPTS, name)
  if (!existsSync(join(dir, 'status'))) return null
  const sha256 = new Map<string, string>()
  for (const line of readFileSync(join(dir, 'sha256'), 'utf8').split('\n')) {
    const [hash, file] = line.split(' ')
    if (hash && file) sha256.set(file, hash)
  }
  return {
    stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
    stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
    status: Number(readFileSync(join(dir, 'status'), 'utf8').trim()),
    sha256,
  }
}

/** qemu's tests/qemu-iotests/common.filter _filter_qemu_io, plus the -C line's time and rates. */
export function filterQemuIo(text: string): string {
  return text
    .replace(/\r/g, '')
    .replace(
      /[0-9]* ops; [0-9/:. sec]* \([0-9/.inf]* [EPTGMKiBbytes]*\/sec and [0-9/.inf]* ops\/sec\)/g,
      'X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)',
    )
    .replace(/qemu-io> /g, '')
    .replace(/^(\d+),(\d+),[0-9:.]+,[-0-9.a-z]+,[-0-9.a-z]+$/gm, '$1,$2,X,X,X')
}

const MAP_LINE = /^.* \(0x([0-9a-f]+)\) bytes (?: {4}allocated|not allocated) at offset .* \(0x([0-9a-f]+)\)$/

/** rawio's real holes, folded into what qemu-io says of a raw image: all of it allocated. */
export function foldAllocation(text: string): string {
  const out: string[] = []
  let run: { offset: number; length: number } | null = null
  const flush = () => {
    if (!run) return
    out.push(
      `${cvtstr(run.length)} (0x${hex(run.length)}) bytes     allocated at offset ${cvtstr(run.offset)} (0x${hex(run.offset)})`,
    )
    run = null
  }
  for (const line of text.split('\n')) {
    const m = MAP_LINE.exec(line)
    if (m) {
      const length = Number.parseInt(m[1], 16)
      const offset = Number.parseInt(m[2], 16)
      if (run && run.offset + run.length === offset) run.length += length
      else {
        flush()
        run = { offset, length }
      }
      continue
    }
    flush()
    out.push(line.replace(/^(\d+)\/(\d+) bytes allocated at offset /, '$2/$2 bytes allocated at offset '))
  }
  flush()
  return out.join('\n')
}

/** qemu-io 8.0's args strings of the commands that took -r, and 7.2's. */
const ARGS_8_0: [string, string][] = [
  ['[-abCqrv] [-P pattern', '[-abCqv] [-P pattern'],
  ['[-Cqrv] [-P pattern]', '[-Cqv] [-P pattern]'],
  ['[-bcCfnqruz] [-P pattern', '[-bcCfnquz] [-P pattern'],
  ['[-Cfqr] [-P pattern]', '[-Cfq] [-P pattern]'],
  ['[-Ciqrv] [-P pattern]', '[-Ciqv] [-P pattern]'],
  ['[-Cfiqruz] [-P pattern]', '[-Cfiquz] [-P pattern]'],
]

/** A help text's option lines (` -P, -- ...`) in qemu-io 8.0's order: by letter, lower case first. */
export function sortOptionLines(text: string): string {
  const key = (line: string) => {
    const c = line[2]
    return `${c.toLowerCase()}${c === c.toLowerCase() ? 0 : 1}`
  }
  return text.replace(/(?:^ -[A-Za-z], -- .*\n)+/gm, (run) => {
    const lines = run.slice(0, -1).split('\n')
    return `${lines.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).join('\n')}\n`
  })
}

/**
 * rawio's read, readv, write, writev, aio_read and aio_write are qemu-io 8.0's (-r, register the
 * buffer): their args strings and help, undone to 7.2's. The option order of help texts is compared
 * by sortOptionLines on both sides (8.0 sorted them).
 */
export function undoQemu8(text: string): string {
  let t = text.replace(/^ -r, -- register I\/O buffer\n/gm, '')
  for (const [v8, v7] of ARGS_8_0) t = t.split(v8).join(v7)
  return sortOptionLines(t)
}

/** The six commands qemu-io 8.0 gave -r: a script line run with -r added (`#! differs: register`). */
export function withRegister(line: string): string {
  return line.replace(/^(r|read|readv|w|write|writev|aio_read|aio_write)(\s|$)/, '$1 -r$2')
}

/** rawio's documented differences, undone: prompt, message prefix, info's geometry, allocation. */
export function normaliseRawio(text: string, differs: ReadonlySet<string>): string {
  let t = text.replace(/rawio> /g, 'qemu-io> ').replace(/^rawio: /gm, 'qemu-io: ')
  t = t.replace(/^rawio device: .*\n(?: {2}.*\n)*/gm, '')
  if (differs.has('qemu8')) t = undoQemu8(t)
  if (differs.has('map')) t = foldAllocation(t)
  if (differs.has('usage')) t = t.replace(/^Usage: rawio [\s\S]*$/m, '<usage>\n')
  // abort(3) in qemu-io drops what stdio still buffered (all of stdout, when it is a pipe);
  // rawio has printed every line already.
  if (differs.has('abort') && !/^qemu-io: /m.test(t)) t = ''
  return t
}

/** qemu-io's side of the documented differences (the format-probing warning). */
export function normaliseQemu(text: string, differs: ReadonlySet<string>): string {
  let t = text
  if (differs.has('qemu8')) t = sortOptionLines(t)
  if (differs.has('probe')) t = t.replace(/^WARNING: Image format was not specified.*\n(?: {9}.*\n)*/gm, '')
  if (differs.has('usage')) t = t.replace(/^Usage: qemu-io [\s\S]*$/m, '<usage>\n')
  return t
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

const expand = (s: string, dir: string) => s.replace(/\$IMG/g, join(dir, 'img')).replace(/\$DIR/g, dir)

/** The script's commands as rawio runs them (with -r where the script says `differs: register`). */
const commandsFor = (script: Script, dir: string) =>
  script.commands.map((c) => expand(script.differs.has('register') ? withRegister(c) : c, dir))

export function argsFor(script: Script, dir: string): string[] {
  const args: string[] = script.useFormat ? ['-f', 'raw'] : []
  args.push(...script.options.map((o) => expand(o, dir)))
  if (!script.stdin) for (const c of commandsFor(script, dir)) args.push('-c', c)
  if (script.useFile) args.push(join(dir, 'img'))
  return args
}

const stdinText = (script: Script, dir: string) =>
  script.stdin ? `${commandsFor(script, dir).join('\n')}\n` : ''

/** Runs a script through rawio in this process (main() with string sinks). */
export async function runInProcess(script: Script, dir: string): Promise<Transcript> {
  const sink = stringSink()
  const stdin = Readable.from(script.stdin ? [stdinText(script, dir)] : [])
  const status = await main(argsFor(script, dir), {
    sink,
    stdin,
    root: ROOT,
    raise: (sig) => {
      throw new Error(`script ${script.name} raises signal ${sig}: mark it '#! spawn'`)
    },
  })
  return { stdout: sink.stdout, stderr: sink.stderr, status, sha256: hashes(script, dir) }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGUSR2: 12,
  SIGTERM: 15,
}

/** Runs a script through `node bin/rawio.js` as a real process. */
export function runSpawned(script: Script, dir: string): Transcript {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/rawio.js'), ...argsFor(script, dir)], {
    cwd: dir,
    input: stdinText(script, dir),
    encoding: 'utf8',
    timeout: 30_000,
  })
  const status = r.status ?? 128 + (SIGNALS[r.signal ?? ''] ?? 0)
  return { stdout: r.stdout, stderr: r.stderr, status, sha256: hashes(script, dir) }
}

function hashes(script: Script, dir: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const f of script.fixtures)
    if (existsSync(join(dir, f.name))) m.set(f.name, sha256Of(join(dir, f.name)))
  return m
}

/** Replaces the temporary directory's path with $DIR, as the recorder does. */
export function undir(text: string, dir: string): string {
  return text.split(dir).join('$DIR')
}
