// Non-interactive input, read as qemu-io's fetchline_fgets does: one line at a time (at most 1023
// characters per read, the rest is the next line), the command run before the next line is read,
// and the prompt printed before each read even though nobody sees it.
import type { Session } from '../commands/session'
import { PROGRAM } from '../commands/spec'
import type { Sink } from '../report'

const MAXREADLINESZ = 1024

/** Pulls lines off a stream, one at a time. */
export class LineReader {
  private buf = ''
  private ended = false
  private wake: (() => void) | null = null

  constructor(private readonly input: NodeJS.ReadableStream) {
    input.setEncoding?.('utf8')
    input.on('data', (chunk: string | Buffer) => {
      this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
      this.input.pause()
      this.wake?.()
    })
    input.on('end', () => {
      this.ended = true
      this.wake?.()
    })
    input.on('error', () => {
      this.ended = true
      this.wake?.()
    })
  }

  /** fgets(): a line without its newline, or null at end of input (or once `stop` is aborted). */
  async next(stop?: AbortSignal): Promise<string | null> {
    for (;;) {
      if (stop?.aborted) return null
      const nl = this.buf.indexOf('\n')
      if (nl >= 0 && nl < MAXREADLINESZ - 1) {
        const line = this.buf.slice(0, nl)
        this.buf = this.buf.slice(nl + 1)
        return line
      }
      if (this.buf.length >= MAXREADLINESZ - 1) {
        const line = this.buf.slice(0, MAXREADLINESZ - 1)
        this.buf = this.buf.slice(MAXREADLINESZ - 1)
        return line
      }
      if (this.ended) {
        if (this.buf === '') return null
        const line = this.buf
        this.buf = ''
        return line
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve
        stop?.addEventListener('abort', () => resolve(), { once: true })
        this.input.resume()
      })
      this.wake = null
    }
  }
}

/** qemu-io's command_loop without -c: returns whether any command failed. `stop` ends it early. */
export async function runLines(
  session: Session,
  input: NodeJS.ReadableStream,
  sink: Sink,
  prompt: boolean,
  stop?: AbortSignal,
): Promise<boolean> {
  const reader = new LineReader(input)
  let failed = false
  while (!session.quit && !stop?.aborted) {
    if (prompt) sink.out(`${PROGRAM}> `)
    const line = await reader.next(stop)
    if (line === null) break
    const r = await session.run(line)
    if (!r.ok) failed = true
  }
  return failed
}
