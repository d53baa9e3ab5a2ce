// raise(3) for abort and sigraise, with qemu-io's outcome for every signal number: the ones qemu-io
// blocks, handles or ignores leave it running, every other one ends the process by that signal.
import { constants } from 'node:os'

/** Signal numbers after which qemu-io 7.2 keeps running (measured: `sigraise N` then a read). */
export const SURVIVED = new Set([
  0, // no signal
  7, // SIGBUS: qemu has a handler
  10, // SIGUSR1: qemu has a handler (Node would start its inspector)
  13, // SIGPIPE: ignored
  14, // SIGALRM: blocked
  17, // SIGCHLD: default is ignore
  18, // SIGCONT
  23, // SIGURG: default is ignore
  28, // SIGWINCH: default is ignore
  29, // SIGIO: blocked
  32, // reserved by glibc: raise() fails
  33, // reserved by glibc: raise() fails
  65, // NSIG itself: raise() fails
])

const names = new Map<number, string>(
  Object.entries(constants.signals).map(([name, n]) => [n as number, name] as [number, string]),
)

/** Sends `signal` to this process as raise(3) would, with any JavaScript listeners removed first. */
export function raiseSignal(signal: number): void {
  if (SURVIVED.has(signal)) return
  const name = names.get(signal)
  if (name) process.removeAllListeners(name as NodeJS.Signals)
  process.kill(process.pid, name ?? signal)
}
