// The rawio side of a comparison: a qemu-io script run through the Device API and the blkdebug
// command functions, printing what qemu-io prints (without the timing lines), with its exit status.
// Aio reports are printed where qemu-io prints them in these scripts: at aio_flush, or after a sync
// request completes (qemu polls while it waits).
import { blkdebugCommands, blkdebugOf, openBlkdebug } from '../../../lib/blkdebug'
import type { CacheMode, Device } from '../../../lib/device'
import { IoError } from '../../../lib/errors'
import { binding } from '../../../lib/native'
import { parseSize } from '../../../lib/units'

export interface ScriptOpen {
  cache?: CacheMode
  readOnly?: boolean
  limits?: Record<string, string>
}

export interface ScriptRun {
  stdout: string[]
  status: number
  /** Every event raised after the open, in order. */
  events: string[]
}

const why = (e: unknown) => (e instanceof IoError ? binding().strerror(e.errno) : String(e))

function getopt(words: string[]): { flags: Set<string>; pattern?: number; operands: number[] } {
  const flags = new Set<string>()
  let pattern: number | undefined
  const operands: number[] = []
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    if (w === '-P') pattern = Number(words[++i])
    else if (/^-[a-zA-Z]+$/.test(w)) for (const c of w.slice(1)) flags.add(c)
    else operands.push(parseSize(w))
  }
  return { flags, pattern, operands }
}

const filled = (dev: Device, n: number, byte: number) => dev.allocBuffer(n).fill(byte)

export async function rawioScript(
  filename: string,
  commands: string[],
  open: ScriptOpen = {},
): Promise<ScriptRun> {
  const dev = await openBlkdebug(filename, {
    cache: open.cache ?? 'writethrough',
    readOnly: open.readOnly,
    blkdebug: { limits: open.limits },
  })
  const layer = blkdebugOf(dev)
  const stdout: string[] = []
  const events: string[] = []
  layer?.trace((e) => events.push(e))
  layer?.onMessage((l) => stdout.push(l))
  const pending: Promise<void>[] = []
  const reports: string[] = []
  const poll = () => stdout.push(...reports.splice(0))
  let status = 0
  const sync = async (op: () => Promise<string[]>, failure: string) => {
    try {
      const lines = await op()
      poll()
      stdout.push(...lines)
      if (lines.some((l) => l.startsWith('Pattern verification failed'))) status = 1
    } catch (e) {
      poll()
      if (failure) stdout.push(`${failure}: ${why(e)}`)
      status = 1
    }
  }
  for (const line of commands) {
    const [name, ...words] = line.split(' ')
    const { flags, pattern, operands } = name in blkdebugCommands ? getopt([]) : getopt(words)
    const [off, len] = operands
    const rw = (verb: string, n = len) => `${verb} ${n}/${n} bytes at offset ${off}`
    const verify = (data: Uint8Array) =>
      pattern !== undefined && data.some((b) => b !== pattern)
        ? [`Pattern verification failed at offset ${off}, ${len} bytes`]
        : []
    switch (name) {
      case 'read':
        await sync(async () => {
          const r = await dev.read(off, len)
          return [...verify(r.data), rw('read')]
        }, 'read failed')
        break
      case 'write':
        await sync(async () => {
          if (flags.has('z')) await dev.writeZeroes(off, len, { mayUnmap: flags.has('u') })
          else await dev.write(off, filled(dev, len, pattern ?? 0xcd), { fua: flags.has('f') })
          return [rw('wrote')]
        }, 'write failed')
        break
      case 'discard':
        await sync(async () => {
          await dev.discard(off, len)
          return [rw('discard')]
        }, 'discard failed')
        break
      case 'flush':
        await sync(async () => {
          await dev.flush()
          return []
        }, '') // qemu-io's flush prints nothing when it fails
        break
      case 'aio_read': {
        const buf = dev.allocBuffer(len)
        pending.push(
          dev.readv(off, [buf]).then(
            () => void reports.push(...verify(buf), rw('read')),
            (e) => void reports.push(`readv failed: ${why(e)}`),
          ),
        )
        break
      }
      case 'aio_write': {
        const p = flags.has('z')
          ? dev.writeZeroes(off, len)
          : dev.writev(off, [filled(dev, len, pattern ?? 0xcd)], { fua: flags.has('f') })
        pending.push(
          p.then(
            () => void reports.push(rw('wrote')),
            (e) => void reports.push(`aio_write failed: ${why(e)}`),
          ),
        )
        break
      }
      case 'aio_flush':
        await Promise.all(pending.splice(0))
        poll()
        break
      case 'break':
      case 'remove_break':
      case 'resume':
      case 'wait_break': {
        const r = await blkdebugCommands[name as keyof typeof blkdebugCommands](dev, words)
        stdout.push(...r.lines)
        if (!r.ok) status = 1
        break
      }
      default:
        throw new Error(`the test runner has no '${name}'`)
    }
  }
  await Promise.all(pending)
  poll()
  await dev.close()
  return { stdout, status, events }
}
