// Real temp images for command tests (never mocks), removed in afterAll even when a test failed.
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { breakline, parseLine } from '../../lib/commands/parse'
import { Session } from '../../lib/commands/session'
import { CommandStop, type Line } from '../../lib/commands/spec'
import { defaultImageOptions, type ImageOptions } from '../../lib/commands/state'
import { findCommand } from '../../lib/commands/table'
import { Reporter, stringSink } from '../../lib/report'

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'rawio-cmd-'))
  private n = 0

  /** A fresh image of `size` bytes, byte i = i & 255 (real data, not holes). */
  image(size = 64 << 10, fill: 'pattern' | 'zero' = 'pattern'): string {
    const file = join(this.path, `img${this.n++}`)
    const buf = Buffer.alloc(size)
    if (fill === 'pattern') for (let i = 0; i < size; i++) buf[i] = i & 255
    writeFileSync(file, buf)
    return file
  }

  file(name: string, content: string | Uint8Array): string {
    const file = join(this.path, name)
    writeFileSync(file, content)
    return file
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true })
  }
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

export interface TestSession {
  session: Session
  sink: ReturnType<typeof stringSink>
  /** Runs a line; returns the result and what it printed. */
  run(
    line: string,
  ): Promise<{ ok: boolean; stdout: string; stderr: string; result: Awaited<ReturnType<Session['run']>> }>
  close(): Promise<void>
}

export async function openSession(
  path: string | null,
  image: Partial<ImageOptions> = {},
  opts: { json?: boolean; misalign?: boolean; raise?: (sig: number) => void } = {},
): Promise<TestSession> {
  const sink = stringSink()
  const session = new Session({
    reporter: new Reporter(sink, opts.json ? 'json' : 'human'),
    misalign: opts.misalign,
    raise:
      opts.raise ??
      ((sig) => {
        throw new Error(`raise(${sig}) in a test`)
      }),
  })
  if (path) await session.openImage(path, { ...defaultImageOptions, ...image })
  return {
    session,
    sink,
    async run(line) {
      sink.stdout = ''
      sink.stderr = ''
      const result = await session.run(line)
      return { ok: result.ok, stdout: sink.stdout, stderr: sink.stderr, result }
    },
    close: () => session.close(),
  }
}

/** The parse phase alone: the request a command line gives, no device and no session. */
export async function parse(line: string): Promise<unknown> {
  const argv = breakline(line)
  const cmd = await findCommand(argv[0])
  if (!cmd) throw new Error(`no command ${argv[0]}`)
  return parseLine(cmd, argv).request
}

/** The lines a command line stops with in its parse phase (it must stop). */
export async function stop(line: string): Promise<Line[]> {
  try {
    await parse(line)
  } catch (e) {
    if (e instanceof CommandStop) return e.lines
    throw e
  }
  throw new Error(`'${line}' parsed`)
}
