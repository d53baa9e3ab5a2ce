// `rawio [options] [-c command]... [file]`: qemu-io's main() and command_loop(), with its exit status:
// 1 when any synchronous command failed or the start failed, else 0. Only what a run needs is loaded
// here; the shell (readline) and bench are required lazily.
import { imageFromOptions } from '../commands/open-image'
import { Session } from '../commands/session'
import { CommandStop, type Line, PROGRAM } from '../commands/spec'
import { diagnostic, processSink, Reporter, type Sink } from '../report'
import { type Interrupt, installInterrupt } from '../safety/interrupt'
import { type CliConfig, parseCli } from './options'

export { rawArgv } from './argv'

export interface MainIo {
  sink?: Sink
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean }
  /** Overrides raise(3) for abort and sigraise (tests). */
  raise?: (signal: number) => void
  /** The package root, for -V. */
  root?: string
}

function print(sink: Sink, lines: readonly Line[]): void {
  for (const l of lines) {
    if (l.stream === 'err') sink.err(`${l.text}\n`)
    else sink.out(`${l.text}\n`)
  }
}

/** Runs rawio with `args` (argv without node and the script); resolves with the exit status. */
export async function main(args: string[], io: MainIo = {}): Promise<number> {
  const sink = quietOnEpipe(io.sink ?? processSink)
  try {
    if (args[0] === 'bench') return await runBenchCli(args.slice(1), sink)
    if (args[0] === 'report' || args[0] === 'compare' || args[0] === 'merge') {
      const { runResultCli } = await import('../results/cli.js')
      return await runResultCli(args[0], args.slice(1), sink)
    }
    const parsed = parseCli(args)
    print(sink, parsed.lines)
    switch (parsed.action) {
      case 'help':
        sink.out((await import('./usage.js')).usageText(PROGRAM))
        return 0
      case 'version': {
        const v = (await import('./version.js')).versionReport(io.root ?? packageRoot())
        sink.out(v.out)
        if (v.err) sink.err(v.err)
        return v.status
      }
      case 'exit':
        if (parsed.usage) sink.out((await import('./usage.js')).usageText(PROGRAM))
        return parsed.status
      default:
        return await run(parsed.config, sink, io)
    }
  } catch (e) {
    sink.err(`${diagnostic(e instanceof Error ? e.message : String(e))}\n`)
    return 1
  }
}

async function run(cfg: CliConfig, sink: Sink, io: MainIo): Promise<number> {
  const stdin = cfg.commands.length === 0 ? (io.stdin ?? process.stdin) : null
  const interactive = !!stdin?.isTTY && !cfg.json
  const shell = interactive ? await import('./repl.js') : null
  const outSink = shell ? shell.promptAwareSink(sink) : sink
  const session = new Session({
    reporter: new Reporter(outSink, cfg.json ? 'json' : 'human'),
    misalign: cfg.misalign,
    engine: cfg.engine,
    align: cfg.align,
    force: cfg.force,
    raise: io.raise,
    onAsyncOutput: shell ? () => shell.redrawPrompt() : undefined,
  })
  if (cfg.file !== null || cfg.imageOptions) {
    try {
      if (cfg.snapshot) {
        throw new CommandStop([
          {
            stream: 'err',
            text: `${PROGRAM}: can't open device ${cfg.file}: snapshot mode (-s) is not supported by rawio`,
          },
        ])
      }
      if (cfg.imageOptions) {
        const { image, path } = imageFromOptions(cfg.image, cfg.imageOptions)
        await session.openImage(path, image, null)
      } else if (cfg.file !== null) await session.openImage(cfg.file, cfg.image)
    } catch (e) {
      if (!(e instanceof CommandStop)) throw e
      print(sink, e.lines)
      return 1
    }
  }
  let failed = false
  const interrupt = installStop(session, sink, shell !== null)
  const stop = interrupt.abortSignal
  let signalled: number | null = null
  try {
    if (stdin === null) {
      for (const line of cfg.commands) {
        if (session.quit || interrupt.stopped) break
        const r = await session.run(line)
        if (!r.ok) failed = true
      }
    } else if (shell) {
      failed = await shell.runShell(session, stdin, sink, stop)
    } else {
      const { runLines } = await import('./lines.js')
      failed = await runLines(session, stdin, sink, !cfg.json, stop)
    }
  } finally {
    // qemu-io drains every request before it exits, printing their reports.
    await session.close()
    await interrupt.settled
    signalled = interrupt.exitCode
    // The status is returned; leave process.exitCode to the caller (bin/rawio.js exits with it).
    interrupt.reset()
    interrupt.dispose()
  }
  if (signalled !== null) return signalled
  return failed || session.asyncFailed ? 1 : 0
}

/**
 * SIGINT and SIGTERM while commands run: finish the command running and the requests in flight
 * (their reports print), run nothing more, and end with 130/143. A second signal exits at once. The
 * shell keeps readline's Ctrl-C (it cancels the line or a sleep) and takes SIGTERM only.
 */
function installStop(session: Session, sink: Sink, interactive: boolean): Interrupt {
  const interrupt = installInterrupt({
    signals: interactive ? ['SIGTERM'] : ['SIGINT', 'SIGTERM'],
    notice: interactive
      ? undefined
      : `${PROGRAM}: interrupted; waiting for the requests in flight (Ctrl-C again to force)`,
    stderr: { write: (text) => sink.err(text) },
    exitAfterStop: false,
  })
  interrupt.onStop(async () => {
    session.interrupt()
    await session.drainAio()
  })
  return interrupt
}

/** Like qemu-io (SIGPIPE ignored, printf failing quietly), output to a closed pipe is dropped. */
function quietOnEpipe(base: Sink): Sink {
  let closed = { out: false, err: false }
  const guard = (which: 'out' | 'err') => (text: string) => {
    if (closed[which]) return
    try {
      base[which](text)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e
      closed = { ...closed, [which]: true }
    }
  }
  return { out: guard('out'), err: guard('err') }
}

function packageRoot(): string {
  return (require('../native') as typeof import('../native')).packageRoot
}

async function runBenchCli(args: string[], sink: Sink): Promise<number> {
  const where = '../bench/cli.js'
  let mod: { runBenchCli?: (a: string[], io: Sink) => Promise<number> }
  try {
    mod = await import(where)
  } catch {
    sink.err(`${PROGRAM}: bench is not available in this build (lib/bench/cli is missing)\n`)
    return 1
  }
  if (typeof mod.runBenchCli !== 'function') {
    sink.err(`${PROGRAM}: bench is not available in this build (runBenchCli is missing)\n`)
    return 1
  }
  return mod.runBenchCli(args, { out: (t) => sink.out(t), err: (t) => sink.err(t) })
}
