// The interactive shell on a TTY: line editing, TAB completion, persistent history, Ctrl-C that
// cancels the line or a running sleep, Ctrl-D that ends the session. Loaded only when stdin is a TTY.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import * as readline from 'node:readline'
import type { Session } from '../commands/session'
import { PROGRAM } from '../commands/spec'
import type { Sink } from '../report'
import { complete } from './complete'

const HISTORY_SIZE = 1000

let active: readline.Interface | null = null
let promptShown = false

export function historyPath(): string {
  return process.env.RAWIO_HISTORY || join(homedir(), '.rawio_history')
}

/** Oldest first on disk (like a shell), newest first for readline. */
export function loadHistory(path = historyPath()): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .slice(-HISTORY_SIZE)
      .reverse()
  } catch {
    return []
  }
}

export function saveHistory(newestFirst: readonly string[], path = historyPath()): void {
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `${[...newestFirst].reverse().join('\n')}\n`)
  } catch {
    // history is a convenience: a read-only home must not break the shell
  }
}

/** Output that arrives while the prompt is shown (aio reports) first clears the prompt line. */
export function promptAwareSink(base: Sink): Sink {
  const clear = () => {
    if (promptShown && active) {
      readline.clearLine(process.stdout, 0)
      readline.cursorTo(process.stdout, 0)
      promptShown = false
    }
  }
  return {
    out: (text) => {
      clear()
      base.out(text)
    },
    err: (text) => {
      clear()
      base.err(text)
    },
  }
}

/** After asynchronous output: the prompt and the line being typed come back. */
export function redrawPrompt(): void {
  if (active && !promptShown) {
    active.prompt(true)
    promptShown = true
  }
}

/**
 * Runs the shell until quit, Ctrl-D or `stop` (SIGTERM: after the command running, if any);
 * resolves with whether any command failed.
 */
export function runShell(
  session: Session,
  input: NodeJS.ReadableStream,
  _sink: Sink,
  stop?: AbortSignal,
): Promise<boolean> {
  const rl = readline.createInterface({
    input,
    output: process.stdout,
    prompt: `${PROGRAM}> `,
    completer: (line: string, done: (err: Error | null, result: [string[], string]) => void) => {
      complete(line).then(
        (r) => done(null, r),
        () => done(null, [[], line]),
      )
    },
    history: loadHistory(),
    historySize: HISTORY_SIZE,
    terminal: true,
  })
  active = rl
  let failed = false
  let running = false
  let closed = false
  const queue: string[] = []
  const prompt = () => {
    rl.prompt()
    promptShown = true
  }

  return new Promise<boolean>((resolve) => {
    const finish = () => {
      active = null
      promptShown = false
      resolve(failed)
    }
    const drain = async () => {
      running = true
      while (queue.length > 0 && !session.quit && !stop?.aborted) {
        const r = await session.run(queue.shift()!)
        if (!r.ok) failed = true
      }
      running = false
      if (session.quit || stop?.aborted) {
        closed = true
        rl.close()
        return finish()
      }
      if (closed) return finish()
      prompt()
    }
    rl.on('line', (line) => {
      promptShown = false
      queue.push(line)
      if (!running) void drain()
    })
    rl.on('history', (h: string[]) => saveHistory(h))
    rl.on('SIGINT', () => {
      if (session.interrupt()) return
      // Ctrl-C at the prompt cancels the line being typed, not the program.
      const state = rl as unknown as { line: string; cursor: number }
      state.line = ''
      state.cursor = 0
      process.stdout.write('^C\n')
      if (!running) prompt()
    })
    stop?.addEventListener(
      'abort',
      () => {
        if (running || closed) return
        closed = true
        rl.close()
        process.stdout.write('\n')
        finish()
      },
      { once: true },
    )
    rl.on('close', () => {
      if (closed) return
      closed = true
      // Ctrl-D: like qemu-io, end the prompt line and leave.
      process.stdout.write('\n')
      if (!running) finish()
    })
    prompt()
  })
}
