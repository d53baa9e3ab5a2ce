// The man page and the bash completion are generated (scripts/gen-man.js) from the tables the CLI
// uses; the committed files must be what the generator writes now (after a new option or command,
// `npm run build:docs` brings them up to date). The completion is exercised in a real bash.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAioMode, parseCacheMode, parseDiscardMode } from '../../lib/commands/image-options'

const ROOT = resolve(__dirname, '../..')
// biome-ignore lint/suspicious/noExplicitAny: a CommonJS script without types
const gen: any = require(join(ROOT, 'scripts/gen-man.js'))
const haveDist = spawnSync('test', ['-f', join(ROOT, 'dist/lib/cli/options.js')]).status === 0
if (!haveDist)
  console.warn('skipping the generated-file tests: dist/ is missing (npx tsc -p tsconfig.build.json)')

describe.skipIf(!haveDist)('generated man page and completion', () => {
  it('the committed files are current (npm run build:docs regenerates them)', async () => {
    const files = await gen.generate()
    expect(readFileSync(gen.OUT.man, 'utf8'), 'man/rawio.1 is stale: npm run build:docs').toBe(files.man)
    expect(readFileSync(gen.OUT.bash, 'utf8'), 'completion/rawio.bash is stale: npm run build:docs').toBe(
      files.bash,
    )
  })

  it('the man page has every option, command and bench option; man renders it without warnings', () => {
    const man = readFileSync(gen.OUT.man, 'utf8')
    for (const s of [
      '\\-\\-cmd',
      '\\-\\-engine',
      '\\fBaio_write\\fR',
      '\\fBbench\\fR',
      '\\-\\-iodepth',
      '\\-\\-rw',
    ]) {
      expect(man).toContain(s)
    }
    const r = spawnSync('man', ['--warnings', '-l', gen.OUT.man], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '80' },
    })
    if (r.error) return // no man(1) here
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('rawio bench [BENCH OPTIONS]... TARGET')
  })

  it('the values it completes are ones the parsers take', () => {
    const v = gen.optionValues(gen.load())
    for (const c of v.cache) expect(() => parseCacheMode(c)).not.toThrow()
    for (const d of v.discard) expect(() => parseDiscardMode(d)).not.toThrow()
    for (const a of v.aio) expect(() => parseAioMode(a)).not.toThrow()
  })

  const complete = (line: string): string[] => {
    const words = line.split(' ')
    const script = `source ${gen.OUT.bash}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_rawio; printf '%s\\n' "\${COMPREPLY[@]}"`
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: ROOT })
    return r.stdout.split('\n').filter(Boolean)
  }

  it('completes in bash: options, -c commands, option values, bench options', () => {
    expect(complete('rawio --eng')).toEqual(['--engine='])
    expect(complete('rawio -c aio_')).toEqual(['aio_flush', 'aio_read', 'aio_write'])
    expect(complete('rawio -t write')).toEqual(['writeback', 'writethrough'])
    expect(complete('rawio --cache=dir')).toEqual(['--cache=directsync'])
    expect(complete('rawio -i io')).toEqual(['io_uring'])
    expect(complete('rawio bench --iod')).toEqual(['--iodepth=', '--iodepth_batch_submit='])
    expect(complete('rawio bench --rw=rand')).toEqual([
      '--rw=randread',
      '--rw=randwrite',
      '--rw=randrw',
      '--rw=randtrim',
    ])
    expect(complete('rawio READ')).toEqual(['README.md'])
  })
})
