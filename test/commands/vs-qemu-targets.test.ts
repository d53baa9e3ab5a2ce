// qemu-io 7.2 differences that need targets the golden transcripts cannot make (their fixtures are
// files in a temp directory): a loop device, a filesystem of 4 KiB sectors, a file's allocated
// blocks. Each case runs the same commands through the real `qemu-io -f raw` and through rawio
// (main(), in process) on identical fresh targets, and compares stdout, stderr, status and bytes.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../lib/cli/main'
import { stringSink } from '../../lib/report'
import { loopUnavailable, Scratch, skipReason } from '../helpers/targets'

const probe = spawnSync('qemu-io', ['--version'], { encoding: 'utf8' })
const noQemu = probe.status === 0 ? null : 'qemu-io is not on PATH (apt-get install qemu-utils)'
const noLoop = loopUnavailable()
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

interface Run {
  stdout: string
  stderr: string
  status: number
}

/** Timing lines blanked (qemu's iotests filter), qemu-io: and rawio: prefixes made one. */
const norm = (r: Run): Run => {
  const f = (t: string) =>
    t
      .replace(/^\d.* ops; .*$/gm, 'X ops')
      .replace(/^(qemu-io|rawio): /gm, 'PROG: ')
      .replace(/^WARNING: Image format was not specified.*\n(?: {9}.*\n)*/gm, '')
  return { stdout: f(r.stdout), stderr: f(r.stderr), status: r.status }
}

function qemu(args: string[], cwd: string): Run {
  const r = spawnSync('qemu-io', ['-f', 'raw', ...args], { encoding: 'utf8', cwd, timeout: 30_000 })
  if (r.error) throw r.error
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 }
}

async function rawio(args: string[]): Promise<Run> {
  const sink = stringSink()
  const status = await main(['-f', 'raw', ...args], { sink })
  return { stdout: sink.stdout, stderr: sink.stderr, status }
}

const cmds = (list: string[]) => list.flatMap((c) => ['-c', c])

function patterned(size: number): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i % 251) + 1
  return b
}

const MiB = 1 << 20

describe.skipIf(skipReason(noQemu ?? noLoop, 'qemu-io comparisons on loop devices'))(
  'a loop device (512-byte sectors)',
  () => {
    let backing = ''
    let dev = ''
    const reference = patterned(8 * MiB)
    beforeAll(() => {
      backing = join(scratch.dir, 'loop.img')
      writeFileSync(backing, reference)
      dev = scratch.loop(backing)
    })

    /** Runs `args` through qemu-io, then through rawio, each on the reference bytes. */
    async function both(args: string[]): Promise<{ q: Run; r: Run; qBytes: Buffer; rBytes: Buffer }> {
      writeFileSync(backing, reference)
      const q = qemu([...args, dev], scratch.dir)
      const qBytes = readFileSync(backing)
      writeFileSync(backing, reference)
      const r = await rawio([...args, dev])
      const rBytes = readFileSync(backing)
      return { q, r, qBytes, rBytes }
    }

    it.each([
      ['truncate -m full 8M'],
      ['truncate -m full 16M'],
      ['truncate -m full 4M'],
      ['truncate -m falloc 8M'],
      ['truncate -m metadata 8M'],
      ['truncate -m off 8M'],
    ])('%s: a block device takes no preallocation', async (line) => {
      const { q, r, qBytes, rBytes } = await both(cmds([line, 'length']))
      expect(norm(r)).toEqual(norm(q))
      expect(rBytes.equals(qBytes)).toBe(true)
    })

    it.each([
      ['discard 0 5000'],
      ['discard 1024 1000'],
      ['discard 100 8k'],
      ['discard 0 100'],
      ['discard 512 8k'],
      ['discard 4096 12288'],
    ])('-t none %s: the aligned head is discarded before an unaligned tail fails', async (line) => {
      const { q, r, qBytes, rBytes } = await both(['-t', 'none', ...cmds([line])])
      expect(norm(r)).toEqual(norm(q))
      expect(rBytes.equals(qBytes), 'the same bytes discarded').toBe(true)
    })

    it('-t none write -z -n with an unaligned head fails whole', async () => {
      const { q, r, qBytes, rBytes } = await both([
        '-t',
        'none',
        ...cmds(['write -z -n -u 100 8k', 'write -z -u 100 8k', 'read -P 0 100 8k']),
      ])
      expect(norm(r)).toEqual(norm(q))
      expect(rBytes.equals(qBytes)).toBe(true)
    })
  },
)

const noMkfs =
  spawnSync('mkfs.ext4', ['-V'], { encoding: 'utf8' }).status === 0 ? null : 'mkfs.ext4 is missing'

describe.skipIf(skipReason(noQemu ?? noLoop ?? noMkfs, 'qemu-io comparisons on a 4 KiB-sector filesystem'))(
  'O_DIRECT on a filesystem of 4 KiB sectors: the image size must be a multiple of 4096 to write',
  () => {
    let mnt = ''
    let dev = ''
    let mounted = false
    const size = MiB + 512
    beforeAll(() => {
      const fs = join(scratch.dir, 'fs4k.img')
      writeFileSync(fs, '')
      spawnSync('truncate', ['-s', '64M', fs])
      dev = scratch.loop(fs, { sectorSize: 4096 })
      const mk = spawnSync('mkfs.ext4', ['-q', dev], { encoding: 'utf8' })
      if (mk.status !== 0) throw new Error(`mkfs.ext4: ${mk.stderr}`)
      mnt = join(scratch.dir, 'mnt')
      mkdirSync(mnt)
      const m = spawnSync('mount', [dev, mnt], { encoding: 'utf8' })
      if (m.status !== 0) throw new Error(`mount: ${m.stderr}`)
      mounted = true
    })
    afterAll(() => {
      // Unmount before the scratch detaches the loop device (by name).
      if (mounted) spawnSync('umount', [mnt])
    })

    async function both(args: string[], withFile = true): Promise<{ q: Run; r: Run }> {
      const img = join(mnt, 'img')
      writeFileSync(img, Buffer.alloc(size))
      const q = qemu([...args, ...(withFile ? ['img'] : [])], mnt)
      const qSize = statSync(img).size
      const qBytes = readFileSync(img)
      writeFileSync(img, Buffer.alloc(size))
      const cwd = process.cwd()
      process.chdir(mnt)
      let r: Run
      try {
        r = await rawio([...args, ...(withFile ? ['img'] : [])])
      } finally {
        process.chdir(cwd)
      }
      expect(statSync(img).size, 'size afterwards').toBe(qSize)
      expect(readFileSync(img).equals(qBytes), 'bytes afterwards').toBe(true)
      return { q, r }
    }

    it('-t none refuses to open it writable, with qemu-io text', async () => {
      const { q, r } = await both(['-t', 'none', ...cmds(['write 0 4k', 'write 1M 4k'])])
      expect(q.stderr).toMatch(/Cannot get 'write' permission without 'resize'/)
      expect(norm(r)).toEqual(norm(q))
    })

    it('-t none -r opens it and reads', async () => {
      const { q, r } = await both(['-t', 'none', '-r', ...cmds(['read 0 4k', 'length'])])
      expect(q.status).toBe(0)
      expect(norm(r)).toEqual(norm(q))
    })

    it('open -t none fails; a writer reopened with -c none keeps its permission', async () => {
      const { q, r } = await both(
        cmds(['open -t none img', 'open img', 'write -P 1 0 512', 'reopen -c none', 'write -P 2 0 4k']),
        false,
      )
      expect(norm(r)).toEqual(norm(q))
    })

    it('reopen -w -c none of a read-only image: each write asks for the permission, truncate fixes it', async () => {
      const { q, r } = await both(
        cmds([
          'open -r img',
          'reopen -w -c none',
          'read 0 512',
          'write 0 512',
          'writev 0 512',
          'discard 0 4k',
          'truncate 2M',
          'write -P 3 0 512',
          'truncate 1049088',
          'write -z 0 512',
          'length',
        ]),
        false,
      )
      expect(q.stderr.split('\n').filter(Boolean)).toHaveLength(3)
      expect(norm(r)).toEqual(norm(q))
    })
  },
)

describe.skipIf(skipReason(noQemu, 'qemu-io comparisons of allocation'))(
  '-d ignore and write -z -u (a deliberate difference: rawio never deallocates under ignore)',
  () => {
    const blocksAfter = async (tool: 'qemu' | 'rawio', discard: string[]) => {
      const img = join(scratch.dir, `alloc-${tool}-${discard.join('')}.img`)
      writeFileSync(img, patterned(MiB))
      const before = statSync(img).blocks
      const args = [...discard, ...cmds(['write -z -u 0 64k', 'aio_write -z -u 128k 64k', 'aio_flush'])]
      const run = tool === 'qemu' ? qemu([...args, img], scratch.dir) : await rawio([...args, img])
      expect(run.status).toBe(0)
      return before - statSync(img).blocks
    }

    it('under -d ignore rawio keeps every block; qemu-io 7.2 punches them anyway', async () => {
      expect(await blocksAfter('rawio', ['-d', 'ignore'])).toBe(0)
      // qemu's file layer defaults to discard=unmap whatever -d says: it deallocates 128 KiB.
      expect(await blocksAfter('qemu', ['-d', 'ignore'])).toBe(256)
    })

    it('by default both deallocate', async () => {
      expect(await blocksAfter('rawio', [])).toBe(256)
      expect(await blocksAfter('qemu', [])).toBe(256)
    })

    it('a bench trim job on an image opened with -d ignore is refused, and trims nothing', async () => {
      const img = join(scratch.dir, 'alloc-bench.img')
      writeFileSync(img, patterned(MiB))
      const before = statSync(img).blocks
      const r = await rawio(['-d', 'ignore', ...cmds(['bench -q --rw=trim --bs=64k --number_ios=4']), img])
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/--rw=trim discards, and the image was opened with discard=ignore\n$/)
      expect(statSync(img).blocks).toBe(before)
    })

    it('open -o discard=ignore and reopen -o discard=ignore keep the blocks too', async () => {
      for (const pre of [['open -o discard=ignore IMG'], ['open IMG', 'reopen -o discard=ignore']]) {
        const img = join(scratch.dir, `alloc-open-${pre.length}.img`)
        writeFileSync(img, patterned(MiB))
        const before = statSync(img).blocks
        const r = await rawio(cmds([...pre.map((c) => c.replace('IMG', img)), 'write -z -u 0 64k']))
        expect(r.status, r.stderr).toBe(0)
        expect(statSync(img).blocks).toBe(before)
      }
    })
  },
)

describe.skipIf(skipReason(noQemu, 'qemu-io comparisons of truncate -m full'))(
  'truncate -m full under -t none (a deliberate difference: qemu-io 7.2 fails it)',
  () => {
    it('rawio writes the zeroes; qemu-io 7.2 says EINVAL and leaves the size', async () => {
      const run = async (tool: 'qemu' | 'rawio') => {
        const img = join(scratch.dir, `full-${tool}.img`)
        writeFileSync(img, Buffer.alloc(MiB, 0x11))
        const args = ['-t', 'none', ...cmds(['truncate -m full 3000000']), img]
        const r = tool === 'qemu' ? qemu(args, scratch.dir) : await rawio(args)
        return { r, size: statSync(img).size, tail: readFileSync(img).subarray(MiB) }
      }
      const q = await run('qemu')
      expect(q.r.stderr).toBe('qemu-io: Could not write zeros for preallocation: Invalid argument\n')
      expect(q.size).toBe(MiB)
      const r = await run('rawio')
      expect(r.r).toEqual({ stdout: '', stderr: '', status: 0 })
      expect(r.size).toBe(3000000)
      expect(r.tail.every((b) => b === 0)).toBe(true)
    })
  },
)

describe.skipIf(skipReason(noQemu, 'qemu-io comparisons of FIFO and character device targets'))(
  'targets that are not a regular file or a block device',
  () => {
    let fifo = ''
    beforeAll(() => {
      fifo = join(scratch.dir, 'fifo')
      const r = spawnSync('mkfifo', [fifo])
      if (r.status !== 0) throw new Error('mkfifo failed')
    })

    it.each([[[]], [['-f', 'file']], [['-f', 'host_device']]])(
      'a FIFO %j: qemu-io text, not "Invalid argument"',
      async (format) => {
        const args = [...format, ...cmds(['read 0 512']), fifo]
        const q = qemu(args.slice(0), scratch.dir)
        const r = await rawio(args)
        expect(norm(r)).toEqual(norm(q))
        expect(r.stderr).toMatch(/driver requires '.*fifo' to be/)
      },
    )

    it('a FIFO read-only fails at once (qemu-io blocks in open until a writer comes)', async () => {
      // no writer ever comes: that it ends at all is the proof
      const r = await rawio(['-r', ...cmds(['read 0 512']), fifo])
      expect(r).toEqual({
        stdout: '',
        stderr: `rawio: can't open device ${fifo}: 'file' driver requires '${fifo}' to be a regular file\n`,
        status: 1,
      })
    })

    it('a character device is refused in words (qemu-io opens it as a host_device)', async () => {
      for (const dev of ['/dev/null', '/dev/zero']) {
        const r = await rawio(['-r', ...cmds(['read 0 512']), dev])
        expect(r).toEqual({
          stdout: '',
          stderr: `rawio: can't open device ${dev}: '${dev}' is a character device; rawio opens regular files and block devices only\n`,
          status: 1,
        })
      }
      // -f file: qemu-io's own text, as qemu-io says it.
      const q = qemu(['-f', 'file', ...cmds(['read 0 512']), '/dev/null'], scratch.dir)
      const r = await rawio(['-f', 'file', ...cmds(['read 0 512']), '/dev/null'])
      expect(norm(r)).toEqual(norm(q))
    })
  },
)
