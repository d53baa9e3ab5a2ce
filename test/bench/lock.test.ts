// `rawio bench` takes the shell's image locks on its target: the write lock for write and trim jobs,
// a shared read lock otherwise, for the whole run; -U takes none. Real processes: a rawio or qemu-io
// holding the image, and a bench holding it against them.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { sha256, TempDir } from '../commands/helpers'
import { BIN, noQemu } from '../helpers/vs-qemu'

const tmp = new TempDir()
afterAll(() => tmp.remove())

let holder: ChildProcess | null = null
afterEach(() => {
  if (holder && holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL')
  holder = null
})

/** Starts `cmd args`, resolves once it printed `ready` on stdout (it then holds the image). */
async function hold(cmd: string, args: string[], ready: string): Promise<ChildProcess> {
  const child = spawn(cmd, args)
  holder = child
  await new Promise<void>((ok, fail) => {
    let out = ''
    child.stdout?.on('data', (d) => {
      out += d
      if (out.includes(ready)) ok()
    })
    child.on('exit', (code) => fail(new Error(`holder exited with ${code}: ${out}`)))
  })
  return child
}

const holdRawio = (img: string, opts: string[] = []) =>
  hold(process.execPath, [BIN, ...opts, '-c', 'length', '-c', 'sleep 30000', img], 'iB\n')

/**
 * Resolves once /proc/locks shows a lock on `img` whose range starts at `start` (qemu-io locks bytes
 * from 100 on; rawio's OFD lock covers 0 to EOF), taken by `child`; fails if the child ends first.
 * However long a loaded machine takes to start it.
 */
async function lockedBy(child: ChildProcess, img: string, start: number): Promise<void> {
  const ino = statSync(img).ino
  const taken = new RegExp(`:${ino} ${start} `)
  while (!taken.test(readFileSync('/proc/locks', 'utf8'))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`it ended (${child.exitCode ?? child.signalCode}) without locking ${img}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** qemu-io's stdout is a full buffer on a pipe: it holds the image once /proc/locks shows its lock. */
async function holdQemu(img: string): Promise<void> {
  holder = spawn('qemu-io', ['-f', 'raw', '-c', 'sleep 30000', img])
  await lockedBy(holder, img, 100)
}

const bench = (args: string[]) =>
  spawnSync(process.execPath, [BIN, 'bench', '-q', ...args], { encoding: 'utf8', timeout: 30_000 })
const shell = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

const refusal = (img: string, what: string) =>
  `rawio: bench: can't open device ${img}: Failed to get "${what}" lock\nIs another process using the image [${img}]?\n`

describe('bench and image locks', () => {
  it('a write job is refused while another rawio holds the image, and writes nothing', async () => {
    const img = tmp.image(1 << 20)
    const before = sha256(img)
    await holdRawio(img)
    const r = bench(['--rw=write', '--number_ios=4', img])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(refusal(img, 'write'))
    expect(sha256(img)).toBe(before)
    // The same refusal as the shell's write.
    expect(shell(['-c', 'write 0 4k', img]).stderr).toContain('Failed to get "write" lock')
  })

  it('a trim job takes the write lock too', async () => {
    const img = tmp.image(1 << 20)
    const before = sha256(img)
    await holdRawio(img, ['-r'])
    const r = bench(['--rw=trim', '--number_ios=4', img])
    expect(r.stderr).toBe(refusal(img, 'write'))
    expect(r.status).toBe(1)
    expect(sha256(img)).toBe(before)
  })

  it('a read job shares the lock with readers, is refused by a writer, and -U skips the lock', async () => {
    const img = tmp.image(1 << 20)
    await holdRawio(img, ['-r'])
    expect(bench(['--rw=read', '--number_ios=4', img]).status).toBe(0)
    holder?.kill('SIGKILL')
    await holdRawio(img)
    const r = bench(['--rw=randread', '--number_ios=4', img])
    expect(r.stderr).toBe(refusal(img, 'consistent read'))
    expect(r.status).toBe(1)
    expect(bench(['-U', '--rw=randread', '--number_ios=4', img]).status).toBe(0)
    expect(bench(['--force_share', '--rw=read', '--number_ios=4', img]).status).toBe(0)
  })

  it('holds the write lock for the whole run: a shell writer is refused meanwhile', async () => {
    const img = tmp.image(1 << 20)
    // A run that lasts until it is stopped, looked at once it holds the lock: neither a slow start
    // nor a slow writer can make the writer come before or after it.
    const run = spawn(process.execPath, [
      BIN,
      'bench',
      '-q',
      '--rw=randwrite',
      '--time_based',
      '--runtime=600s',
      img,
    ])
    holder = run
    await lockedBy(run, img, 0)
    const w = shell(['-c', 'write -P 0x44 0 4k', img])
    expect(w.status).toBe(1)
    expect(w.stderr).toContain('Failed to get "write" lock')
    const exited = new Promise<number | null>((ok) => run.on('exit', ok))
    run.kill('SIGINT')
    expect(await exited).toBe(130) // stopped: the results so far, then the lock goes
    // Released at the end.
    expect(shell(['-c', 'write -q 0 4k', img]).status).toBe(0)
  })

  it('a job file locks each target once: two write jobs on one file run; a held file refuses the set', async () => {
    const img = tmp.image(1 << 20)
    const job = tmp.file(
      'two.fio',
      `[global]\nfilename=${img}\nnumber_ios=8\n[w1]\nrw=write\n[w2]\nrw=randwrite\n[r]\nrw=read\n`,
    )
    const ok = bench([job])
    expect(ok.stderr).toBe('')
    expect(ok.status).toBe(0)
    const before = sha256(img)
    await holdRawio(img, ['-r'])
    const r = bench([job])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(refusal(img, 'write'))
    expect(sha256(img)).toBe(before)
  })

  it.skipIf(noQemu !== null)('a qemu-io writer holding the image refuses a bench writer', async () => {
    const img = tmp.image(1 << 20)
    const before = sha256(img)
    await holdQemu(img)
    const r = bench(['--rw=write', '--number_ios=4', img])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(refusal(img, 'write'))
    expect(sha256(img)).toBe(before)
  })
})
if (noQemu) console.warn(`skipping the qemu-io lock case: ${noQemu}`)
