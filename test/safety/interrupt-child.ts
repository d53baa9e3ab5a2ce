// A long write loop for the interrupt test, run in a child process (bundled by the test):
//   node child.cjs TARGET BLOCKS MODE      MODE: 'normal' | 'hang' (the stop callback never ends)
// Write k goes to block k % BLOCKS with generation floor(k / BLOCKS), 8 in flight, in order.
// On SIGINT/SIGTERM it stops submitting, waits for what is in flight, and prints the partial
// report: `partial: N writes completed (B bytes) before SIGxxx`.
import { Device } from '../../lib/device'
import { installInterrupt } from '../../lib/safety/interrupt'

export const BLOCK = 4096

export function blockData(index: number, gen: number): Uint8Array {
  const b = new Uint8Array(BLOCK)
  const dv = new DataView(b.buffer)
  let x = (index * 2654435761 + gen * 40503 + 1) >>> 0
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    dv.setUint32(i, x >>> 0)
  }
  dv.setUint32(0, index)
  dv.setUint32(4, gen)
  return b
}

async function main(): Promise<void> {
  const [target, blocksArg, mode] = process.argv.slice(2)
  const blocks = Number(blocksArg)
  const dev = await Device.open(target, { cache: 'none' })
  const intr = installInterrupt({
    notice: 'rawio: interrupted; waiting for the requests in flight (again to force)',
  })
  const inFlight = new Set<Promise<unknown>>()
  let submitted = 0
  let completed = 0
  let announced = false
  intr.onStop(async (signal) => {
    if (mode === 'hang') await new Promise(() => {})
    await Promise.all(inFlight)
    await dev.flush()
    await dev.close()
    process.stdout.write(
      `partial: ${completed} writes completed (${completed * BLOCK} bytes) before ${signal}\n`,
    )
  })
  while (!intr.stopped) {
    const k = submitted++
    const p = dev.write((k % blocks) * BLOCK, blockData(k % blocks, Math.floor(k / blocks))).then(() => {
      completed++
      inFlight.delete(p)
      if (!announced && completed >= 64) {
        announced = true
        process.stdout.write('running\n')
      }
    })
    inFlight.add(p)
    if (inFlight.size >= 8) await Promise.race(inFlight)
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`child failed: ${e instanceof Error ? e.stack : String(e)}\n`)
    process.exit(1)
  })
}
