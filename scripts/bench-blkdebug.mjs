#!/usr/bin/env node
// What blkdebug costs with no rules loaded: 4 KiB random reads from a file in the page cache, at
// depth 1 and 32, through `blkdebug::PATH` (the layer installed, nothing to do) against plain PATH
// (the layer absent), in short alternating slices (the order flipped every round, so that drift and
// other load hit both alike). Prints the median IOPS of each and the median of the per-round ratios,
// with its interquartile range. Creates and always removes its own file.
//   node scripts/bench-blkdebug.mjs [--seconds S per slice] [--rounds N] [--size-mib N] [--engine E] [--dist DIR]
// Needs the compiled library: npm run prepare (or --dist DIR of a tsc build, with RAWIO_ADDON set).
import { opt } from './lib/args.mjs'
import { cleanup, cleanupOnSignals, loadLibrary, makeFile, tempDir } from './lib/targets.mjs'

const seconds = Number(opt('seconds', '0.5'))
const rounds = Number(opt('rounds', '20'))
const sizeMiB = Number(opt('size-mib', '256'))
const engine = opt('engine', 'auto')

const [{ Device }, { blkdebugOf }] = loadLibrary(
  'bench-blkdebug',
  ['index.js', 'blkdebug/index.js'],
  opt('dist', undefined),
)

const KiB = 1024
cleanupOnSignals('bench-blkdebug')

/** Random 4 KiB-aligned offsets (the same sequence for both targets). */
function offsets(n) {
  const blocks = (sizeMiB << 20) / (4 * KiB)
  const out = new Float64Array(n)
  let x = 0x2545f491
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = ((x >>> 0) % blocks) * 4 * KiB
  }
  return out
}
const table = offsets(1 << 16)

/** IOPS of `depth` readers issuing 4 KiB reads back to back for `seconds`. */
async function run(dev, depth) {
  const until = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9))
  let done = 0
  let next = 0
  const worker = async () => {
    const buf = [dev.allocBuffer(4 * KiB)]
    while (process.hrtime.bigint() < until) {
      await dev.readv(table[next++ & 0xffff], buf)
      done++
    }
  }
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: depth }, worker))
  return done / (Number(process.hrtime.bigint() - t0) / 1e9)
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]
const median = (xs) => quantile(xs, 0.5)

try {
  const path = makeFile(tempDir('rawio-bench-blkdebug-'), 'data.raw', sizeMiB, { cached: true })
  const plain = await Device.open(path, { cache: 'writeback', engine })
  const layered = await Device.open(`blkdebug::${path}`, { cache: 'writeback', engine })
  if (blkdebugOf(plain) || !blkdebugOf(layered)?.idle)
    throw new Error('the two devices are not what they should be')
  console.log(
    `blkdebug with no rules vs no blkdebug: 4 KiB random reads, ${sizeMiB} MiB file in the page cache, ` +
      `engine ${plain.engine}, ${rounds} rounds of ${seconds} s slices, alternating`,
  )
  console.log('depth    plain IOPS   blkdebug:: IOPS   ratio (blkdebug / plain)   IQR of the ratio')
  for (const depth of [1, 32]) {
    await run(plain, depth) // warm-up
    await run(layered, depth)
    const a = []
    const b = []
    const ratio = []
    for (let r = 0; r < rounds; r++) {
      const pair = r % 2 === 0 ? [plain, layered] : [layered, plain]
      const x = await run(pair[0], depth)
      const y = await run(pair[1], depth)
      const [p, l] = r % 2 === 0 ? [x, y] : [y, x]
      a.push(p)
      b.push(l)
      ratio.push(l / p)
    }
    const iqr = `${quantile(ratio, 0.25).toFixed(3)}..${quantile(ratio, 0.75).toFixed(3)}`
    console.log(
      `${String(depth).padEnd(8)} ${median(a).toFixed(0).padStart(10)}   ${median(b).toFixed(0).padStart(15)}   ` +
        `${median(ratio).toFixed(3).padStart(24)}   ${iqr}`,
    )
  }
  await plain.close()
  await layered.close()
} finally {
  cleanup('bench-blkdebug')
}
