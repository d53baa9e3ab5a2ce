// A real headless Chromium (Debian's `chromium`), driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4), so tests need no npm browser
// package. Opens a page, records console errors, exceptions and every request the page makes,
// evaluates expressions, and takes a screenshot.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** null when a headless browser can run here, else why not (print it when skipping). */
export function browserUnavailable(): string | null {
  const bin = candidates.find((c) => existsSync(c))
  return bin ? null : `no Chromium found (${candidates.join(', ')}): apt-get install chromium`
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void
  reject: (e: Error) => void
}

export interface PageReport {
  consoleErrors: string[]
  /** URLs the page asked for, other than the page itself. */
  requests: string[]
}

export class Browser {
  private readonly proc: ChildProcess
  private readonly profile: string
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners: Array<
    (method: string, params: Record<string, unknown>, session?: string) => void
  > = []
  private buffer = ''

  private constructor(proc: ChildProcess, profile: string) {
    this.proc = proc
    this.profile = profile
    const out = proc.stdio[4] as Readable
    out.setEncoding('utf8')
    out.on('data', (chunk: string) => {
      this.buffer += chunk
      for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
        const msg = JSON.parse(this.buffer.slice(0, end)) as {
          id?: number
          result?: Record<string, unknown>
          error?: { message: string }
          method?: string
          params?: Record<string, unknown>
          sessionId?: string
        }
        this.buffer = this.buffer.slice(end + 1)
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id)
          this.pending.delete(msg.id)
          if (msg.error) p?.reject(new Error(msg.error.message))
          else p?.resolve(msg.result ?? {})
        } else if (msg.method) for (const l of this.listeners) l(msg.method, msg.params ?? {}, msg.sessionId)
      }
    })
  }

  static launch(): Browser {
    const bin = candidates.find((c) => existsSync(c))
    if (!bin) throw new Error('no Chromium')
    const profile = mkdtempSync(join(tmpdir(), 'rawio-chromium-'))
    const proc = spawn(
      bin,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        `--user-data-dir=${profile}`,
        '--remote-debugging-pipe',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], detached: true },
    )
    return new Browser(proc, profile)
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++
    const msg = JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params })
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      ;(this.proc.stdio[3] as Writable).write(`${msg}\0`)
    })
  }

  /** Loads `url` in a new tab; resolves after the load event with what the page did. */
  async open(url: string, width = 1000, height = 1400): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as {
      targetId: string
    }
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string
    }
    const report: PageReport = { consoleErrors: [], requests: [] }
    let loaded: () => void = () => {}
    const load = new Promise<void>((r) => {
      loaded = r
    })
    this.listeners.push((method, params, session) => {
      if (session !== sessionId) return
      if (method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert'))
        report.consoleErrors.push(JSON.stringify(params.args))
      if (method === 'Runtime.exceptionThrown')
        report.consoleErrors.push(JSON.stringify(params.exceptionDetails))
      if (method === 'Log.entryAdded') {
        const entry = params.entry as { level: string; text: string; url?: string }
        if (entry.level === 'error') report.consoleErrors.push(`${entry.text} ${entry.url ?? ''}`)
      }
      if (method === 'Network.requestWillBeSent') {
        const req = params.request as { url: string }
        if (req.url !== url) report.requests.push(req.url)
      }
      if (method === 'Page.loadEventFired') loaded()
    })
    for (const domain of ['Runtime', 'Log', 'Network', 'Page'])
      await this.send(`${domain}.enable`, {}, sessionId)
    await this.send(
      'Emulation.setDeviceMetricsOverride',
      { width, height, deviceScaleFactor: 1, mobile: false },
      sessionId,
    )
    await this.send('Page.navigate', { url }, sessionId)
    await load
    return new Page(this, sessionId, report)
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))])
    } finally {
      // Chromium's helper processes (zygote, renderers, crashpad) share its process group and may
      // still write to the profile after the browser exits: end the whole group, wait for the
      // browser, then remove the profile; a leftover temp directory is not a test failure.
      const exited = new Promise((r) => this.proc.once('exit', r))
      try {
        if (this.proc.pid) process.kill(-this.proc.pid, 'SIGKILL')
      } catch {
        this.proc.kill('SIGKILL')
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      try {
        rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
      } catch (e) {
        console.warn(`browser profile ${this.profile} not removed: ${(e as Error).message}`)
      }
    }
  }
}

export class Page {
  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
    readonly report: PageReport,
  ) {}

  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.browser.send(
      'Runtime.evaluate',
      { expression, returnByValue: true },
      this.sessionId,
    )) as {
      result: { value: T }
      exceptionDetails?: unknown
    }
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`)
    return r.result.value
  }

  /** A PNG of the whole page. */
  async screenshot(): Promise<Buffer> {
    const { data } = (await this.browser.send(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: true },
      this.sessionId,
    )) as { data: string }
    return Buffer.from(data, 'base64')
  }
}
