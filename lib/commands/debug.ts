// break, remove_break, resume and wait_break. They belong to fault injection (qemu's blkdebug), which
// rawio does not have yet: on a raw image qemu-io answers ENOTSUP, and so does rawio, with qemu's
// texts. wait_break, which hangs forever in qemu-io on a raw image, fails at once instead.
import { defineCommand, failOut } from './spec'

const NOT_SUPPORTED = 'Operation not supported'

export const breakCmd = defineCommand({
  name: 'break',
  argmin: 2,
  argmax: 2,
  args: 'event tag',
  oneline: 'sets a breakpoint on event and tags the stopped request as tag',
  parse: ({ operands }) => ({ event: operands[0], tag: operands[1] }),
  async execute() {
    throw failOut(`Could not set breakpoint: ${NOT_SUPPORTED}`, 'ENOTSUP')
  },
})

export const removeBreak = defineCommand({
  name: 'remove_break',
  argmin: 1,
  argmax: 1,
  args: 'tag',
  oneline: 'remove a breakpoint by tag',
  parse: ({ operands }) => ({ tag: operands[0] }),
  async execute(_ctx, req) {
    throw failOut(`Could not remove breakpoint ${req.tag}: ${NOT_SUPPORTED}`, 'ENOTSUP')
  },
})

export const resume = defineCommand({
  name: 'resume',
  argmin: 1,
  argmax: 1,
  args: 'tag',
  oneline: 'resumes the request tagged as tag',
  parse: ({ operands }) => ({ tag: operands[0] }),
  async execute() {
    throw failOut(`Could not resume request: ${NOT_SUPPORTED}`, 'ENOTSUP')
  },
})

export const waitBreak = defineCommand({
  name: 'wait_break',
  argmin: 1,
  argmax: 1,
  args: 'tag',
  oneline: 'waits for the suspension of a request',
  parse: ({ operands }) => ({ tag: operands[0] }),
  async execute(_ctx, req) {
    throw failOut(
      `Could not wait for breakpoint ${req.tag}: ${NOT_SUPPORTED} (no fault injection on this image)`,
      'ENOTSUP',
    )
  },
})
