// qemu-io as the reference: runs scripts on raw images under blkdebug, and records which blkdebug
// events a script raises, in order (a set-state chain whose final state a block-status probe reads
// back as the errno of a failed `alloc`).
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { BLKDEBUG_EVENTS } from '../../../lib/blkdebug/events'

const probe = spawnSync('qemu-io', ['--version'], { encoding: 'utf8' })
/** null when qemu-io runs, else why the comparisons skip. */
export const noQemu: string | null =
  probe.status === 0 ? null : 'qemu-io is not on PATH (apt-get install qemu-utils to run the comparisons)'

export interface QemuOpen {
  /** qemu's cache mode (-t). */
  cache?: string
  /** -r */
  readOnly?: boolean
  /** blkdebug options, qemu's names: { align: '4096', 'max-transfer': '8k' }. */
  options?: Record<string, string>
}

export interface QemuRun {
  stdout: string[]
  stderr: string[]
  status: number
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '')
/** The statistics line after each read/write report: its times differ from run to run. */
export const isTimingLine = (l: string) => / ops; .* ops\/sec\)$/.test(l)

/** qemu-io on blkdebug:CONFIG:IMAGE, one -c per command; timing lines dropped. */
export function qemuIo(config: string, image: string, commands: string[], open: QemuOpen = {}): QemuRun {
  const file = `blkdebug:${config}:${image}`
  const opts = Object.entries(open.options ?? {}).map(([k, v]) => `,file.${k}=${v}`)
  const flags = [...(open.readOnly ? ['-r'] : []), ...(open.cache ? ['-t', open.cache] : [])]
  const head =
    opts.length > 0
      ? ['-c', `open ${flags.join(' ')} -o driver=raw${opts.join('')} ${file}`]
      : ['-f', 'raw', ...flags, file]
  const r = spawnSync('qemu-io', [...head, ...commands.flatMap((c) => ['-c', c])], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  if (r.error) throw r.error
  return {
    stdout: lines(r.stdout).filter((l) => !isTimingLine(l)),
    stderr: lines(r.stderr),
    status: r.status ?? -1,
  }
}

const section = (kind: string, kv: Record<string, string | number>) =>
  `[${kind}]\n${Object.entries(kv)
    .map(([k, v]) => `${k} = "${v}"\n`)
    .join('')}`

/**
 * The blkdebug events `commands` raise on a fresh image of `size` bytes, from the open ('none') on.
 * `extra` is config text to load with the recorder (rules under test).
 */
export function qemuEvents(
  dir: string,
  commands: string[],
  open: QemuOpen = {},
  extra = '',
  size = 1 << 20,
): string[] {
  const conf = `${dir}/events.conf`
  const image = `${dir}/events.img`
  const seq: string[] = []
  for (let step = 0; step < 64; step++) {
    const k = seq.length
    let text = extra
    seq.forEach((e, i) => {
      text += section('set-state', { event: e, state: i + 1, new_state: i + 2 })
    })
    BLKDEBUG_EVENTS.forEach((e, j) => {
      text += section('set-state', { event: e, state: k + 1, new_state: 1000 + j })
    })
    const states = [
      ...Array.from({ length: k + 1 }, (_, i) => i + 1),
      ...BLKDEBUG_EVENTS.map((_, j) => 1000 + j),
    ]
    for (const s of states)
      text += section('inject-error', {
        event: 'read_aio',
        iotype: 'block-status',
        errno: 2000 + s,
        state: s,
      })
    writeFileSync(conf, text)
    writeFileSync(image, Buffer.alloc(0))
    writeFileSync(image, Buffer.alloc(size))
    const r = qemuIo(conf, image, [...commands, 'read 0 512', 'alloc 0 512'], open)
    const m = /is_allocated failed: Unknown error (\d+)/.exec([...r.stdout, ...r.stderr].join('\n'))
    if (!m)
      throw new Error(`the event probe printed nothing:\n${r.stdout.join('\n')}\n${r.stderr.join('\n')}`)
    const s = Number(m[1]) - 2000
    if (s === k + 1) return seq
    seq.push(BLKDEBUG_EVENTS[s - 1000])
  }
  throw new Error('more than 64 events')
}
