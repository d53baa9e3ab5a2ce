// Every golden script through rawio, compared with the transcript the real qemu-io made of it
// (scripts/golden-record.sh): stdout and stderr after qemu's own iotests filter, the exit status and
// the sha256 of every fixture afterwards. rawio's documented differences are normalised, nothing else.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  filterQemuIo,
  loadScript,
  makeFixture,
  normaliseQemu,
  normaliseRawio,
  readTranscript,
  runInProcess,
  runSpawned,
  SCRIPTS,
  type Script,
  type Transcript,
  undir,
} from './harness'

const root = mkdtempSync(join(tmpdir(), 'rawio-golden-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const names = readdirSync(SCRIPTS)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.slice(0, -4))
  .sort()

/** Scripts that also run as a real process, to check bin/rawio.js and exit statuses end to end. */
const ALSO_SPAWNED = new Set(['read', 'quit', 'stdin-mode', 'cli-bad-option', 'cli-no-such-file', 'readonly'])

function fresh(script: Script, tag: string): string {
  const dir = join(root, `${script.name}-${tag}`)
  mkdirSync(dir)
  for (const f of script.fixtures) makeFixture(dir, f)
  return dir
}

function compare(script: Script, got: Transcript, want: Transcript, dir: string): void {
  const out = (t: string) => filterQemuIo(t)
  expect(out(normaliseRawio(undir(got.stdout, dir), script.differs)), 'stdout').toBe(
    out(normaliseQemu(want.stdout, script.differs)),
  )
  expect(out(normaliseRawio(undir(got.stderr, dir), script.differs)), 'stderr').toBe(
    out(normaliseQemu(want.stderr, script.differs)),
  )
  expect(got.status, 'exit status').toBe(want.status)
  for (const [file, hash] of want.sha256) expect(got.sha256.get(file), `sha256 of ${file}`).toBe(hash)
}

describe('golden transcripts (qemu-io 7.2)', () => {
  it('has a transcript for every script', () => {
    const missing = names.filter((n) => readTranscript(n) === null)
    expect(missing, 'run scripts/golden-record.sh').toEqual([])
  })

  for (const name of names) {
    const script = loadScript(name)
    const want = readTranscript(name)
    if (!want) continue
    if (!script.spawn) {
      it(`${name} (in-process)`, async () => {
        const dir = fresh(script, 'in')
        compare(script, await runInProcess(script, dir), want, dir)
      })
    }
    if (script.spawn || ALSO_SPAWNED.has(name)) {
      it(`${name} (process)`, () => {
        const dir = fresh(script, 'proc')
        compare(script, runSpawned(script, dir), want, dir)
      })
    }
  }
})
