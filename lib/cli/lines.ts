// Non-interactive input, read as qemu-io's fetchline_fgets does: one line at a time (at most 1023
// bytes per read, the rest is the next line), the command run before the next line is read, and the
// prompt printed before each read even though nobody sees it. Lines are bytes: what is not UTF-8
// stays the exact bytes (lib/paths), so a file name typed there opens that very file.
import type { Session } from '../commands/session'
import { PROGRAM } from '../commands/spec'
import { decodeBytes, encodeText } from '../paths'
import type { Sink } from '../report'

const MAXREADLINESZ = 1024

/** Pulls lines off a stream, one at a time. */
export class LineReader {
  private buf: Buffer = Buffer.alloc(0)
  private ended = false
  private wake: (() => void) | null = null

  constructor(private readonly input: NodeJS.ReadableStream) {
    input.on('data', (chunk: string | Buffer) => {
      this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? encodeText(chunk) : chunk])
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

  /** The first `end` bytes as a line; `skip` bytes leave the buffer. */
  private take(end: number, skip: number): string {
    const line = decodeBytes(this.buf.subarray(0, end))
    this.buf = this.buf.subarray(skip)
    return line
  }

  /** fgets(): a line without its newline, or null at end of input (or once `stop` is aborted). */
  async next(stop?: AbortSignal): Promise<string | null> {
    for (;;) {
      if (stop?.aborted) return null
      const nl = this.buf.indexOf(0x0a)
      if (nl >= 0 && nl < MAXREADLINESZ - 1) return this.take(nl, nl + 1)
      if (this.buf.length >= MAXREADLINESZ - 1) return this.take(MAXREADLINESZ - 1, MAXREADLINESZ - 1)
      if (this.ended) return this.buf.length === 0 ? null : this.take(this.buf.length, this.buf.length)
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
