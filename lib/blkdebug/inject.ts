// How a request failed by a rule fails: an IoError like the addon's, delivered when qemu would
// deliver it. A failure is never thrown in the submitting call: qemu yields once first
// (aio_co_schedule: failures complete in order), or with `immediately` completes the request from a
// one-shot bottom half, and pending bottom halves run newest first.
import { IoError } from '../errors'
import { binding } from '../native'
import type { Injection } from './layer'
import type { Range } from './limits'

const bottomHalves: (() => void)[] = []

function runBottomHalves(): void {
  while (bottomHalves.length > 0) (bottomHalves.pop() as () => void)()
}

function errnoName(errno: number): string {
  const name = binding().errnoName(errno)
  return /^E[A-Z0-9]+$/.test(name) ? name : `ERR_RAWIO_ERRNO_${errno}`
}

/** The IoError of a request failed by a rule (the addon's shape, with blkdebug named). */
export function injectedError(errno: number, syscall: string, r: Range, path: string): IoError {
  return new IoError({
    code: errnoName(errno),
    errno,
    syscall,
    offset: r.offset,
    length: r.length,
    path,
    source: 'blkdebug',
  })
}

/** A promise that rejects with the injected error, at qemu's moment. */
export function deliver(hit: Injection, err: IoError): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (!hit.immediately) {
      setImmediate(() => reject(err))
      return
    }
    bottomHalves.push(() => reject(err))
    if (bottomHalves.length === 1) setImmediate(runBottomHalves)
  })
}
