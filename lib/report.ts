// The one reporter. Commands never write to the console: they are handed a Reporter, which prints
// qemu-io's human text (print_report, -C CSV, dump_buffer) or, in JSON mode, one object per line.

import { writeSync } from 'node:fs'
import { encodeText } from './paths'
import { formatReport, hexdump, type IoStats, tdiv } from './units'

/** The name at the head of rawio's own diagnostics, where qemu-io's error_report says `qemu-io:`. */
export const PROGRAM = 'rawio'

/**
 * The one prefix policy: every diagnostic rawio prints of its own (not qemu-io's command texts such
 * as `read failed: ...`) is `rawio: [context: ]text`, with the program named exactly once and the
 * context (`bench`) once, whatever prefix the text already carried from a lower layer.
 */
export function diagnostic(text: string, context?: string): string {
  let body = text
  if (body.startsWith(`${PROGRAM}: `)) body = body.slice(PROGRAM.length + 2)
  if (context && body.startsWith(`${context}: `)) body = body.slice(context.length + 2)
  return `${PROGRAM}: ${context ? `${context}: ` : ''}${body}`
}

export interface Sink {
  out(text: string): void
  err(text: string): void
}

export type OutputMode = 'human' | 'json'

export interface IoReportOptions {
  /** -C: qemu-io's `total,ops,time,bytes/sec,ops/sec` line. */
  csv?: boolean
  /** Extra fields for the JSON record (ignored in human mode). */
  extra?: Record<string, unknown>
}

export class Reporter {
  readonly mode: OutputMode
  private readonly sink: Sink

  constructor(sink: Sink, mode: OutputMode = 'human') {
    this.sink = sink
    this.mode = mode
  }

  /** print_report, or in JSON mode `{op, offset, count, total, ops, ns, bytesPerSec, opsPerSec, ...extra}`. */
  io(op: string, r: IoStats, opts: IoReportOptions = {}): void {
    if (this.mode === 'json') {
      this.result({
        op,
        offset: r.offset,
        count: r.count,
        total: r.total,
        ops: r.ops,
        ns: r.ns,
        bytesPerSec: tdiv(r.total, r.ns),
        opsPerSec: tdiv(r.ops, r.ns),
        ...opts.extra,
      })
      return
    }
    this.sink.out(formatReport(op, r, opts.csv === true))
  }

  /** read -v's dump; human mode only. */
  hexdump(data: Uint8Array, offset: number): void {
    if (this.mode === 'human') this.sink.out(hexdump(data, offset))
  }

  /** A plain line on stdout; human mode only. */
  info(text: string): void {
    if (this.mode === 'human') this.sink.out(`${text}\n`)
  }

  /** A line on stderr, in every mode. */
  error(text: string): void {
    this.sink.err(`${text}\n`)
  }

  /** One JSON object per line on stdout in JSON mode; ignored in human mode. */
  result(record: Record<string, unknown>): void {
    if (this.mode === 'json') this.sink.out(`${JSON.stringify(record, jsonValue)}\n`)
  }
}

/** bigint fields become numbers when exact, strings otherwise; non-finite numbers become null. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  return value
}

/** A sink that collects everything, for tests. */
export function stringSink(): Sink & { stdout: string; stderr: string } {
  const sink = {
    stdout: '',
    stderr: '',
    out(text: string) {
      sink.stdout += text
    },
    err(text: string) {
      sink.stderr += text
    },
  }
  return sink
}

/** Write all of `text` to fd synchronously, so stdout and stderr lines keep their order. */
function writeAll(fd: number, text: string): void {
  const buf = encodeText(text)
  let done = 0
  while (done < buf.length) {
    try {
      done += writeSync(fd, buf, done, buf.length - done)
    } catch (e) {
      // A non-blocking pipe that is full: try again (EAGAIN); anything else is fatal.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e
    }
  }
}

export const processSink: Sink = {
  out: (text) => writeAll(1, text),
  err: (text) => writeAll(2, text),
}
