// The command table, sorted by name as qemuio_add_command() keeps it (strcmp order), and rawio's
// extensions, which `help` does not list so that its output stays qemu-io's.
//
// The table is an index (name, altname, module): a command's module is loaded the first time it runs,
// so that `rawio -c 'read 0 4k' img` does not pay for the twenty-five commands it does not use. The
// full definitions (arity, args, help, options) live in the modules; a test checks the index agrees.
import type { Command } from './spec'

export interface TableEntry {
  name: string
  alt?: string
  load(): Promise<Command>
}

const entry = (name: string, alt: string | undefined, load: () => Promise<Command>): TableEntry => ({
  name,
  alt,
  load,
})

export const commandIndex: readonly TableEntry[] = [
  entry('abort', undefined, async () => (await import('./process.js')).abort),
  entry('aio_flush', undefined, async () => (await import('./aio.js')).aioFlush),
  entry('aio_read', undefined, async () => (await import('./aio.js')).aioRead),
  entry('aio_write', undefined, async () => (await import('./aio.js')).aioWrite),
  entry('alloc', 'a', async () => (await import('./allocation.js')).alloc),
  entry('break', undefined, async () => (await import('./debug.js')).breakCmd),
  entry('close', 'c', async () => (await import('./files.js')).close),
  entry('discard', 'd', async () => (await import('./space.js')).discard),
  entry('flush', 'f', async () => (await import('./space.js')).flush),
  entry('help', '?', async () => (await import('./process.js')).help),
  entry('info', 'i', async () => (await import('./info.js')).info),
  entry('length', 'l', async () => (await import('./space.js')).length),
  entry('map', undefined, async () => (await import('./allocation.js')).map),
  entry('open', 'o', async () => (await import('./files.js')).open),
  entry('quit', 'q', async () => (await import('./process.js')).quit),
  entry('read', 'r', async () => (await import('./rw.js')).read),
  entry('readv', undefined, async () => (await import('./vectored.js')).readv),
  entry('remove_break', undefined, async () => (await import('./debug.js')).removeBreak),
  entry('reopen', undefined, async () => (await import('./files.js')).reopen),
  entry('resume', undefined, async () => (await import('./debug.js')).resume),
  entry('sigraise', undefined, async () => (await import('./process.js')).sigraise),
  entry('sleep', undefined, async () => (await import('./process.js')).sleep),
  entry('truncate', 't', async () => (await import('./space.js')).truncate),
  entry('wait_break', undefined, async () => (await import('./debug.js')).waitBreak),
  entry('write', 'w', async () => (await import('./rw.js')).write),
  entry('writev', undefined, async () => (await import('./vectored.js')).writev),
]

export const extensionIndex: readonly TableEntry[] = [
  entry('align', undefined, async () => (await import('./integrity.js')).align),
  entry('bench', undefined, async () => (await import('./bench.js')).bench),
  entry('check', undefined, async () => (await import('./integrity.js')).check),
  entry('stamp', undefined, async () => (await import('./integrity.js')).stamp),
]

/** find_command(): by name or altname, qemu-io's table first. */
export function findEntry(name: string): TableEntry | undefined {
  for (const table of [commandIndex, extensionIndex]) {
    const found = table.find((c) => c.name === name || c.alt === name)
    if (found) return found
  }
  return undefined
}

export async function findCommand(name: string): Promise<Command | undefined> {
  return findEntry(name)?.load()
}

/** Every qemu-io command, loaded, in table order (help lists them). */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(commandIndex.map((e) => e.load()))
}

/** qemuio_complete_command(): names (not altnames) starting with `prefix`. */
export function completeCommand(prefix: string): string[] {
  return [...commandIndex, ...extensionIndex].map((c) => c.name).filter((n) => n.startsWith(prefix))
}
