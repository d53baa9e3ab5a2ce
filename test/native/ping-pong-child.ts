// Alternating awaited reads on two devices, run in a process of its own whose event loop holds
// nothing else (no timers, no other handles): each read starts from the other device's completion,
// and only the devices' own machinery can get it to the kernel. A request left unsubmitted would
// wait for a wake-up that never comes: the process hangs, it does not merely slow down, so the
// test needs no clock (test/native/two-devices.test.ts, adaptive-wait.test.ts).
//   node ping-pong-child.cjs PATH ENGINE COMPLETION CACHE FILL WARMUP ROUNDS
// COMPLETION: 'epoll', 'adaptive', or 'spin' (spinUs 20000: every wait at low depth is a poll).
// Prints one JSON line: {"ok":true,"reads":N}; a wrong byte or count exits 1.
import { Device, type OpenOptions } from '../../lib/device'

async function main(): Promise<void> {
  const [path, engine, completion, cache, fill, warmup, rounds] = process.argv.slice(2)
  const opts: OpenOptions = {
    engine: engine as OpenOptions['engine'],
    cache: cache as OpenOptions['cache'],
    ...(completion === 'spin' ? { spinUs: 20_000 } : { completion: completion as OpenOptions['completion'] }),
  }
  const a = await Device.open(path, opts)
  // opened after a: its prepare hook runs before a's in each turn of the loop
  const b = await Device.open(path, opts)
  let reads = 0
  const expect = (what: string, ok: boolean) => {
    if (!ok) throw new Error(`read ${reads}: ${what}`)
  }
  for (let i = 0; i < Number(warmup); i++) await a.read(0, 4096) // the adaptive wait's measures
  for (let i = 0; i < Number(rounds); i++) {
    const off = (i % 16) * 4096
    const r = await a.readv(off, [a.allocBuffer(4096)])
    expect(`a read ${r.bytes} bytes`, r.bytes === 4096)
    reads++
    // started from a's reaction (when a polls, inside a's prepare hook)
    const { data, bytes } = await b.read(off, 4096)
    expect(`b read ${bytes} bytes`, bytes === 4096 && data.every((x) => x === Number(fill)))
    reads++
  }
  await a.close()
  await b.close()
  process.stdout.write(`${JSON.stringify({ ok: true, reads })}\n`)
}

main().catch((e) => {
  process.stderr.write(`ping-pong child: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
