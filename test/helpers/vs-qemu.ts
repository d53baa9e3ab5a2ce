// The same command line through the real qemu-io 7.2 and through rawio (both as real processes), with
// qemu's iotests filter applied to both and rawio's `rawio:` prefix read as `qemu-io:`.
import { type SpawnSyncOptions, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'

const ROOT = resolve(__dirname, '../..')
export const BIN = join(ROOT, 'bin/rawio.js')

const probe = spawnSync('qemu-io', ['--version'], { encoding: 'utf8' })
/** null when qemu-io 7.2 runs here, else why the comparisons skip. */
export const noQemu: string | null =
  probe.status !== 0
    ? 'qemu-io is not on PATH (apt-get install qemu-utils to run the comparisons)'
    : /version 7\.2/.test(probe.stdout)
      ? null
      : `qemu-io is not 7.2 (${probe.stdout.split('\n')[0]})`

export interface Run {
  stdout: string
  stderr: string
  status: number
}

/** _filter_qemu_io: times and rates become X; rawio's program name reads as qemu-io's. */
export function filtered(text: string): string {
  return text
    .replace(
      /[0-9]* ops; [0-9/:. sec]* \([0-9/.inf]* [EPTGMKiBbytes]*\/sec and [0-9/.inf]* ops\/sec\)/g,
      'X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)',
    )
    .replace(/^rawio: /gm, 'qemu-io: ')
    .replace(/rawio> /g, 'qemu-io> ')
}

function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions): Run {
  const r = spawnSync(cmd, [...args], { timeout: 60_000, ...opts, encoding: 'latin1' })
  return {
    stdout: filtered(String(r.stdout)),
    stderr: filtered(String(r.stderr)),
    status: r.status ?? 128 + 15,
  }
}

/** qemu-io ARGS (no -f raw added). Output is read as latin1, so bytes are compared exactly. */
export function qemuIo(args: readonly string[], opts: SpawnSyncOptions = {}): Run {
  return run('qemu-io', args, opts)
}

/** node bin/rawio.js ARGS, as a process. */
export function rawio(args: readonly string[], opts: SpawnSyncOptions = {}): Run {
  return run(process.execPath, [BIN, ...args], opts)
}

/**
 * A bash command line (for arguments Node cannot pass: bytes that are not UTF-8, written as
 * $'\xfe'), with RAWIO set to rawio's command; the output is filtered the same way.
 */
export function bash(line: string, opts: SpawnSyncOptions = {}): Run {
  const env = { ...process.env, ...opts.env, RAWIO: `${process.execPath} ${BIN}` }
  return run('bash', ['-c', line], { ...opts, env })
}
