// break, remove_break, resume and wait_break: qemu's blkdebug request breakpoints. On a target opened
// as blkdebug:CONFIG:PATH they are lib/blkdebug's handlers, with qemu's texts. On any other target
// qemu-io answers ENOTSUP, and so does rawio, with qemu's texts; wait_break, which hangs forever in
// qemu-io on a raw image, fails at once there instead.
import type { blkdebugCommands } from '../blkdebug'
import { deviceOf } from './io'
import { CommandStop, defineCommand, type ExecContext, failOut, type Line } from './spec'

const NOT_SUPPORTED = 'Operation not supported'

type DebugCommand = keyof typeof blkdebugCommands

/**
 * Runs lib/blkdebug's handler for the open image, printing its lines (stdout, as qemu-io); without
 * a blkdebug layer on the image, fails with `unsupported` (ENOTSUP). lib/blkdebug is loaded here,
 * only when one of these commands runs.
 */
async function debugCommand(
  { session, out }: ExecContext,
  name: DebugCommand,
  args: string[],
  unsupported: string,
): Promise<null> {
  const dev = deviceOf(session)
  let bd: typeof import('../blkdebug') | null
  try {
    bd = await import('../blkdebug/index.js')
  } catch {
    bd = null // a build without fault injection: no image can have the layer
  }
  if (!bd?.blkdebugOf(dev)) throw failOut(unsupported, 'ENOTSUP')
  const r = await bd.blkdebugCommands[name](dev, args)
  if (!r.ok) {
    const lines = r.lines.map((text): Line => ({ stream: 'out', text }))
    throw new CommandStop(lines, { code: r.error ?? 'EINVAL' })
  }
  for (const line of r.lines) out.info(line)
  out.result({ command: name, ok: true })
  return null
}

export const breakCmd = defineCommand({
  name: 'break',
  argmin: 2,
  argmax: 2,
  args: 'event tag',
  oneline: 'sets a breakpoint on event and tags the stopped request as tag',
  parse: ({ operands }) => ({ event: operands[0], tag: operands[1] }),
  execute: (ctx, req) =>
    debugCommand(ctx, 'break', [req.event, req.tag], `Could not set breakpoint: ${NOT_SUPPORTED}`),
})

export const removeBreak = defineCommand({
  name: 'remove_break',
  argmin: 1,
  argmax: 1,
  args: 'tag',
  oneline: 'remove a breakpoint by tag',
  parse: ({ operands }) => ({ tag: operands[0] }),
  execute: (ctx, req) =>
    debugCommand(ctx, 'remove_break', [req.tag], `Could not remove breakpoint ${req.tag}: ${NOT_SUPPORTED}`),
})

export const resume = defineCommand({
  name: 'resume',
  argmin: 1,
  argmax: 1,
  args: 'tag',
  oneline: 'resumes the request tagged as tag',
  parse: ({ operands }) => ({ tag: operands[0] }),
  execute: (ctx, req) => debugCommand(ctx, 'resume', [req.tag], `Could not resume request: ${NOT_SUPPORTED}`),
})

export const waitBreak = defineCommand({
  name: 'wait_break',
  argmin: 1,
  argmax: 1,
  args: 'tag',
  oneline: 'waits for the suspension of a request',
  parse: ({ operands }) => ({ tag: operands[0] }),
  execute: (ctx, req) =>
    debugCommand(
      ctx,
      'wait_break',
      [req.tag],
      `Could not wait for breakpoint ${req.tag}: ${NOT_SUPPORTED} (no fault injection on this image)`,
    ),
})
