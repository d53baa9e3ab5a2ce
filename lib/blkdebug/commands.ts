// qemu-io's break, remove_break, resume and wait_break, as functions the CLI calls with the open
// Device and the command's operands. They print what qemu-io prints (every line on stdout), in
// order with the 'blkdebug:' lines of requests suspended or resumed meanwhile.
import type { Device } from '../device'
import { BlkdebugError, type BlkdebugLayer } from './layer'
import { blkdebugOf } from './open'

export interface BlkdebugCommandResult {
  /** false: the command failed (qemu-io's exit status becomes 1). */
  ok: boolean
  /** Lines for stdout, in order. */
  lines: string[]
  /** errno name of the failure. */
  error?: string
}

export type BlkdebugCommand = (
  device: Device | null,
  args: readonly string[],
) => Promise<BlkdebugCommandResult>

const ENOENT_TEXT = 'No such file or directory'
const ENOTSUP_TEXT = 'Operation not supported'

async function withLayer(
  device: Device | null,
  unsupported: string,
  fn: (layer: BlkdebugLayer, lines: string[]) => Promise<boolean | string>,
): Promise<BlkdebugCommandResult> {
  const layer = device ? blkdebugOf(device) : undefined
  // bdrv_debug_*() find no blkdebug node in the graph: -ENOTSUP
  if (!layer) return { ok: false, lines: [`${unsupported}: ${ENOTSUP_TEXT}`], error: 'ENOTSUP' }
  const { value, lines } = await layer.capture(() => fn(layer, []))
  if (value === true) return { ok: true, lines }
  const error = value === false ? 'ENOENT' : value.split(' ')[0]
  const why = value === false ? ENOENT_TEXT : value.slice(error.length + 1)
  return { ok: false, lines: [...lines, `${unsupported}: ${why}`], error }
}

/** `break event tag` */
export const breakCommand: BlkdebugCommand = (device, [event, tag]) =>
  withLayer(device, 'Could not set breakpoint', async (layer) => {
    try {
      layer.addBreakpoint(event, tag)
      return true
    } catch (e) {
      if (e instanceof BlkdebugError) return false
      throw e
    }
  })

/** `resume tag`: the newest request suspended under tag goes on. */
export const resumeCommand: BlkdebugCommand = (device, [tag]) =>
  withLayer(device, 'Could not resume request', (layer) => layer.resumeOne(tag))

/**
 * `remove_break tag`. As qemu 7.2 (blkdebug_debug_remove_breakpoint), it fails with ENOENT unless a
 * breakpoint with the tag was still set, even when it resumed requests suspended under the tag.
 */
export const removeBreakCommand: BlkdebugCommand = (device, [tag]) =>
  withLayer(device, `Could not remove breakpoint ${tag}`, async (layer) => {
    const r = await layer.removeBreakpoint(tag)
    return r.removed > 0
  })

/** Milliseconds, with an optional ms or s suffix. */
export function parseTimeout(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text)
  if (!m) return null
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1)
}

/**
 * `wait_break tag [timeout]`: returns once a request tagged tag is suspended. Unlike qemu-io, which
 * polls forever, it fails when no request in flight can reach the breakpoint, when there is no such
 * breakpoint, or after the timeout (milliseconds, default 10 s; `5s` and `500ms` work too).
 */
export const waitBreakCommand: BlkdebugCommand = (device, [tag, timeout]) =>
  withLayer(device, `Could not wait for breakpoint ${tag}`, async (layer) => {
    let timeoutMs: number | undefined
    if (timeout !== undefined) {
      const t = parseTimeout(timeout)
      if (t === null) return `EINVAL invalid timeout '${timeout}'`
      timeoutMs = t
    }
    try {
      await layer.waitBreak(tag, { timeoutMs })
      return true
    } catch (e) {
      if (!(e instanceof BlkdebugError)) throw e
      return e.code === 'ENOENT' ? false : `${e.code} ${e.message}`
    }
  })

/** The four commands by qemu-io name, for the CLI's table. */
export const blkdebugCommands = {
  break: breakCommand,
  remove_break: removeBreakCommand,
  resume: resumeCommand,
  wait_break: waitBreakCommand,
} as const satisfies Record<string, BlkdebugCommand>
