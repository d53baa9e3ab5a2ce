// A file name that is not valid UTF-8 names that very file: `bad\xfe.img` must not open
// `bad\xef\xbf\xbd.img` (what Node's UTF-8 decoding of argv makes of it). On the command line, in
// `open`, in `write -s`, in a blkdebug config path and on stdin, compared with the real qemu-io:
// output bytes, status, and which file changed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { decodeBytes, encodeText, fsPath } from '../../lib/paths'
import { bash, noQemu } from '../helpers/vs-qemu'

const dir = mkdtempSync('/var/tmp/rawio-bytes-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const BAD = Buffer.from('bad\xfe.img', 'latin1')
const REPLACED = Buffer.concat([Buffer.from('bad'), Buffer.from([0xef, 0xbf, 0xbd]), Buffer.from('.img')])
const path = (name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name])

function fixtures(): void {
  writeFileSync(path(BAD), Buffer.alloc(64 << 10))
  writeFileSync(path(REPLACED), Buffer.alloc(64 << 10))
  writeFileSync(path(Buffer.from('src\xff', 'latin1')), Buffer.from('AB'))
  writeFileSync(path(Buffer.from('conf\xfe', 'latin1')), '[inject-error]\nevent = "read_aio"\nerrno = "5"\n')
}

const bytesOf = (name: Buffer) => readFileSync(path(name))
beforeEach(fixtures)

describe('lib/paths: bytes in strings, and back', () => {
  it('round-trips any bytes', () => {
    for (const b of [
      BAD,
      REPLACED,
      Buffer.from([0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xc3]),
      Buffer.from([0xf0, 0x90, 0x82, 0x80, 0x80]),
    ]) {
      expect(encodeText(decodeBytes(b)).equals(b)).toBe(true)
    }
    expect(decodeBytes(REPLACED)).toBe('bad\ufffd.img')
    expect(fsPath('plain.img')).toBe('plain.img')
    expect(Buffer.isBuffer(fsPath(decodeBytes(BAD)))).toBe(true)
  })
})

const cases: Array<[string, string]> = [
  [
    'the command line',
    `cd ${dir} && $CMD -f raw -c 'write -P 0x33 0 4k' -c 'read -P 0x33 0 4k' $'bad\\xfe.img'`,
  ],
  ['open', `cd ${dir} && $CMD -c $'open -o driver=raw bad\\xfe.img' -c 'write -P 0x33 0 4k'`],
  ['write -s', `cd ${dir} && $CMD -f raw -c $'write -s src\\xff 0 4k' -c 'read -P 0x41 0 1' $'bad\\xfe.img'`],
  ['stdin', `cd ${dir} && printf 'open -o driver=raw bad\\xfe.img\\nwrite -P 0x33 0 4k\\n' | $CMD`],
  [
    'a missing file (the message names its bytes)',
    `cd ${dir} && $CMD -f raw -c 'read 0 1' $'nothere\\xfe.img'`,
  ],
  [
    'a blkdebug config',
    `cd ${dir} && $CMD -f raw -c 'read 0 512' -c 'write -P 0x33 0 4k' $'blkdebug:conf\\xfe:bad\\xfe.img'`,
  ],
]

describe.skipIf(noQemu !== null)('paths that are not UTF-8, against qemu-io', () => {
  for (const [what, line] of cases) {
    it(what, () => {
      const q = bash(line.replace('$CMD', 'qemu-io'))
      const qBad = bytesOf(BAD)
      const qReplaced = bytesOf(REPLACED)
      fixtures()
      const r = bash(line.replace('$CMD', '$RAWIO'))
      expect(r).toEqual(q)
      expect(bytesOf(BAD).equals(qBad), 'bad\\xfe.img').toBe(true)
      expect(bytesOf(REPLACED).equals(qReplaced), 'bad\\xef\\xbf\\xbd.img is untouched').toBe(true)
      expect(bytesOf(REPLACED).every((x) => x === 0)).toBe(true)
    })
  }
})
if (noQemu) console.warn(`skipping the qemu-io comparisons of byte paths: ${noQemu}`)
if (!existsSync(dir)) throw new Error('no scratch directory')
