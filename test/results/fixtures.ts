// Real results for the report, compare and merge tests: a short rawio bench (rawio's own JSON,
// through the library) and a short fio run (json+) on the same file.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bench } from '../../lib/bench'

export function fioUnavailable(): string | null {
  try {
    execFileSync('fio', ['--version'], { stdio: 'pipe' })
    return null
  } catch {
    return 'fio is not installed (apt-get install fio)'
  }
}

/** rawio's JSON of a 3 s random read/write job on `file`, written to dir/name. */
export async function rawioResult(file: string, dir: string, name: string, runtimeS = 3): Promise<string> {
  const r = await bench(file, {
    rw: 'randrw',
    bs: 4096,
    iodepth: 4,
    direct: true,
    runtime: runtimeS * 1e9,
    time_based: true,
  })
  const out = join(dir, name)
  writeFileSync(out, JSON.stringify(r))
  return out
}

/** fio's json+ of the same job. */
export function fioResult(file: string, dir: string, name: string, runtimeS = 2): string {
  const text = execFileSync(
    'fio',
    [
      '--name=randrw',
      `--filename=${file}`,
      '--rw=randrw',
      '--bs=4k',
      '--iodepth=4',
      '--ioengine=io_uring',
      '--direct=1',
      `--runtime=${runtimeS}`,
      '--time_based',
      '--output-format=json+',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  ).toString()
  const out = join(dir, name)
  writeFileSync(out, text)
  return out
}
