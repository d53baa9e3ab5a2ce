// resolveJob against made-up geometries: defaults, alignment, the region, and every refusal.
import { describe, expect, it } from 'vitest'
import { type EngineAvailability, resolveJob, type TargetInfo } from '../../lib/bench/job'
import { type JobOptions, parseBenchArgs } from '../../lib/bench/options'
import type { NativeGeometry } from '../../lib/native'

const GiB = 2 ** 30

function geometry(over: Partial<NativeGeometry> = {}): NativeGeometry {
  return {
    kind: 'block',
    size: GiB,
    logicalBlockSize: 512,
    physicalBlockSize: 4096,
    dioMemAlign: 512,
    dioOffsetAlign: 512,
    dioAlignSource: 'block-size',
    minIo: 512,
    optIo: 0,
    maxTransfer: 0,
    discardGranularity: 4096,
    discardMax: GiB,
    writeZeroesMax: 0,
    rotational: false,
    zoned: 'none',
    readOnly: false,
    dmaAlignment: 512,
    fsBlockSize: 0,
    ...over,
  }
}

const uring: EngineAvailability = { io_uring: true }
const target = (over: Partial<NativeGeometry> = {}): TargetInfo => ({
  path: '/dev/loop7',
  geometry: geometry(over),
})
const job = (args: string, over: Partial<NativeGeometry> = {}, engines = uring) =>
  resolveJob(parseBenchArgs(args.split(' ').filter(Boolean)).job, target(over), engines)

describe('resolveJob', () => {
  it('fills fio defaults', () => {
    const r = job('')
    expect(r.native).toMatchObject({
      rw: 'read',
      bs: 4096,
      iodepth: 1,
      numjobs: 1,
      offset: 0,
      size: GiB,
      direct: false,
      engine: 'io_uring',
      randseed: 0x89,
      rwmixread: 100,
      exclusive: false,
      memAlign: 4096,
    })
    expect(r.label).toBe('rw=read bs=4k iodepth=1 numjobs=1 engine=io_uring direct=0')
    expect(r.warnings).toEqual([])
  })

  it('bs 3 under O_DIRECT with --align=strict names the logical block size', () => {
    expect(() => job('--bs=3 --direct=1 --align=strict')).toThrow(
      "bs 3 is not a multiple of the device's logical block size 512",
    )
    expect(() => job('--bs=512 --direct=1 --align=strict', { logicalBlockSize: 4096 })).toThrow(
      "bs 512 is not a multiple of the device's logical block size 4096",
    )
  })

  it('--align=auto rounds and says so', () => {
    const r = job('--bs=3 --offset=100 --direct=1')
    expect(r.native.bs).toBe(512)
    expect(r.native.offset).toBe(512)
    expect(r.warnings[0]).toContain('bs 3 is not a multiple')
    expect(r.warnings[0]).toContain('using 512')
  })

  it('files name their statx O_DIRECT alignment', () => {
    expect(() =>
      job('--bs=1k --direct=1 --align=strict', {
        kind: 'file',
        dioAlignSource: 'statx',
        dioOffsetAlign: 4096,
      }),
    ).toThrow("bs 1024 is not a multiple of the file's O_DIRECT alignment 4096 (statx)")
  })

  it('buffered I/O has no alignment to keep, but trim on a block device does', () => {
    expect(job('--bs=3').native.bs).toBe(3)
    expect(() => job('--rw=trim --bs=3 --align=strict')).toThrow('logical block size 512')
  })

  it('the region: offset, size, percentages, and the end of the target', () => {
    expect(job('--offset=1m --size=4m').native).toMatchObject({ offset: 2 ** 20, size: 4 * 2 ** 20 })
    expect(job('--offset=50%').native).toMatchObject({ offset: GiB / 2, size: GiB / 2 })
    expect(job('--size=25%').native.size).toBe(GiB / 4)
    expect(() => job('--offset=1g')).toThrow('offset 1073741824 is at or past the end of /dev/loop7')
    expect(() => job('--offset=512m --size=768m')).toThrow('is past the end of /dev/loop7 (1073741824 bytes)')
    // fio grows a size that is not a multiple of bs to the next multiple (size=10k bs=4k: 12k)
    expect(job('--size=4k --bs=8k').native.size).toBe(8192)
    expect(job('--size=10k --bs=4k').native.size).toBe(12288)
    expect(() => job('--offset=1073737728 --bs=8k')).toThrow('size 4096 is smaller than bs 8192')
    expect(() => job('', { size: 0 })).toThrow('is empty (size 0)')
  })

  it('mixes: rwmixread / rwmixwrite', () => {
    expect(job('--rw=randrw').native.rwmixread).toBe(50)
    expect(job('--rw=randrw --rwmixwrite=30').native.rwmixread).toBe(70)
    expect(job('--rw=write').native.rwmixread).toBe(0)
    expect(() => job('--rw=rw --rwmixread=60 --rwmixwrite=30')).toThrow('do not add up to 100')
    expect(job('--rw=read --rwmixread=70').warnings[0]).toContain('only apply to rw=rw and rw=randrw')
  })

  it('refuses writes under --readonly and on a read-only target', () => {
    expect(() => job('--rw=randwrite --readonly')).toThrow(
      '--readonly forbids writes, but rw=randwrite writes',
    )
    expect(() => job('--rw=trim --readonly')).toThrow('but rw=trim trims')
    expect(() => job('--rw=write', { readOnly: true })).toThrow(
      '/dev/loop7 is read-only, but rw=write writes',
    )
    expect(job('--rw=read --readonly').native.rw).toBe('read')
  })

  it('write options need writes', () => {
    expect(() => job('--rw=read --fua')).toThrow('--fua applies to writes, but rw=read does not write')
    expect(() => job('--rw=randread --fsync=4')).toThrow('--fsync applies to writes')
    expect(job('--rw=randwrite --fsync=4 --fua').native).toMatchObject({
      fsync: 4,
      fua: true,
      exclusive: true,
    })
  })

  it('io_uring options: need io_uring; hipri needs O_DIRECT and reads/writes only', () => {
    expect(() => job('--engine=threads --sqpoll')).toThrow('--sqpoll needs --engine=io_uring')
    expect(() => job('--hipri')).toThrow('--hipri needs --direct=1')
    expect(() => job('--hipri --direct=1 --rw=trim')).toThrow(
      'IORING_SETUP_IOPOLL rings take reads and writes only',
    )
    expect(job('--fixedbufs --registerfiles --direct=1 --hipri').native).toMatchObject({
      fixedbufs: true,
      registerfiles: true,
      hipri: true,
    })
  })

  it('engine: auto falls back to threads with a note; an explicit io_uring does not', () => {
    const none: EngineAvailability = { io_uring: false, ioUringReason: 'io_uring_setup failed: EPERM' }
    const r = job('', {}, none)
    expect(r.native.engine).toBe('threads')
    expect(r.warnings[0]).toContain('io_uring is not usable (io_uring_setup failed: EPERM)')
    expect(() => job('--engine=io_uring', {}, none)).toThrow(
      'engine io_uring is not usable: io_uring_setup failed: EPERM',
    )
  })

  it('verify=stamp: seed, generation and stamp block size', () => {
    const r = job('--verify=stamp --rw=randwrite --bs=8k --randseed=5')
    expect(r.native).toMatchObject({ verify: true, verifySeed: 5, verifyGen: 1, verifyBs: 8192 })
    expect(r.label).toContain('verify=stamp verify_seed=5 verify_gen=1 verify_bs=8192')
    expect(job('--verify=stamp --verify_seed=9 --verify_gen=4 --verify_bs=4k --bs=16k').native).toMatchObject(
      {
        verifySeed: 9,
        verifyGen: 4,
        verifyBs: 4096,
      },
    )
    expect(job('--verify=stamp --bssplit=4k/50:64k/50').native.verifyBs).toBe(4096)
    expect(() => job('--verify=md5')).toThrow("unknown verify mode 'md5'")
    expect(() => job('--verify_gen=2')).toThrow('--verify_gen needs --verify=stamp')
    expect(() => job('--verify=stamp --rw=trim')).toThrow('rw=trim trims')
    expect(() => job('--verify=stamp --bs=16k --verify_bs=12k')).toThrow(
      'verify_bs 12288 does not divide bs 16384',
    )
    expect(() => job('--verify=stamp --bs=32')).toThrow('verify=stamp needs stamp blocks of 64 B')
    expect(() => job('--verify=stamp --bs=8k --offset=4k')).toThrow('offset 4096 is not a multiple')
    expect(job('--verify=0').native.verify).toBeUndefined()
  })

  it('bssplit: aligned entries, labels, not with bs', () => {
    const r = job('--bssplit=4k/70:64k/30 --direct=1 --rw=randrw')
    expect(r.native.bs).toEqual([
      [4096, 70],
      [65536, 30],
    ])
    expect(r.label).toContain('bssplit=4k/70:64k/30')
    expect(() => job('--bs=4k --bssplit=4k/100')).toThrow('give --bs or --bssplit, not both')
  })

  it('time_based needs a runtime; buffers are bounded', () => {
    expect(() => job('--time_based')).toThrow('--time_based needs --runtime')
    expect(() => job('--bs=64m --iodepth=64 --numjobs=2')).toThrow('limit 4 GiB')
  })

  it('library options (typed) go through the same checks', () => {
    const opts: JobOptions = { rw: 'randwrite', bs: 3, direct: true, align: 'strict' }
    expect(() => resolveJob(opts, target(), uring)).toThrow(
      "bs 3 is not a multiple of the device's logical block size 512",
    )
  })
})
