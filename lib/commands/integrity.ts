// stamp, check and align: rawio's integrity commands (extensions: `help` does not list them). The help
// texts, parse phases, I/O and reports are lib/integrity's; this module maps the words onto them.
import { UsageError } from '../errors'
import {
  type AlignSweepOptions,
  alignHelp,
  alignSweep,
  type CheckResult,
  checkHelp,
  check as checkStamps,
  formatCheck,
  formatCheckSummary,
  parseAlign,
  parseCheck,
  parseStamp,
  reportAlign,
  reportCheck,
  reportStamp,
  stampHelp,
  stamp as writeStamps,
} from '../integrity'
import { RangeProgress, StepProgress } from '../integrity/progress'
import type { Reporter } from '../report'
import { deviceOf, ioFailure } from './io'
import { type CommandStop, defineCommand, failOut, failReport, flag, num, size } from './spec'

/** lib/integrity's usage, with the report flags every rawio I/O command takes. */
const withReportFlags = (args: string) => args.replace(/ off len$/, ' [-C] [-q] off len')

const QUIET_HELP = ' -q, -- quiet mode, do not show I/O statistics\n'
const CHECK_QUIET_HELP = ' -q, -- quiet mode: print the bad ranges and the summary only when there are any\n'

/** A mistake lib/integrity found in the words (not the device): its own message, on stdout. */
function usageStop<T>(parse: () => T): T {
  try {
    return parse()
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError) throw failOut(e.message)
    throw e
  }
}

/** A failed run: a bad range for this device (one line), an I/O error as `stamp failed: <strerror>`. */
function runFailure(prefix: string, e: unknown): CommandStop {
  if (e instanceof UsageError || e instanceof RangeError) return failOut(`${prefix}: ${e.message}`)
  return ioFailure(prefix, e)
}

/** Runs a long stamp or check with the live line (TTY only), cleared before the report (align: StepProgress). */
async function withProgress<R extends { len: number }, T>(
  what: string,
  req: R,
  run: (r: R) => Promise<T>,
): Promise<T> {
  const line = new RangeProgress(what, req.len)
  try {
    return await run({ ...req, onProgress: (bytes: number) => line.add(bytes) })
  } finally {
    line.clear()
  }
}

/** The reporter, with `command` (and `ok`, unless the record has its own) added to JSON records. */
function tagged(out: Reporter, command: string): Reporter {
  const r = Object.create(out) as Reporter
  r.result = (record) => out.result({ command, ok: true, ...record })
  return r
}

const rangeOptions = { b: size(), C: flag(), g: size(), q: flag(), S: size() }

export const stamp = defineCommand({
  name: stampHelp.name,
  argmin: 2,
  argmax: -1,
  flags: ['write'],
  args: withReportFlags(stampHelp.args),
  oneline: stampHelp.oneline,
  help: stampHelp.help + QUIET_HELP,
  options: { ...rangeOptions, f: flag() },
  parse({ opts, operands }, ctx) {
    if (operands.length !== 2) ctx.usage()
    const range: [number, number] = [num(operands[0], ctx), num(operands[1], ctx)]
    const req = usageStop(() => parseStamp(opts, range))
    return { req, csv: !!opts.C, quiet: !!opts.q }
  },
  async execute({ session }, { req }) {
    try {
      const res = await withProgress('stamp', req, (r) => writeStamps(deviceOf(session), r))
      await session.poll()
      return res
    } catch (e) {
      throw runFailure('stamp failed', e)
    }
  },
  report(res, out, { csv, quiet }) {
    if (quiet && out.mode === 'human') return
    reportStamp(tagged(out, 'stamp'), res, { csv })
  },
})

type Checked = CheckResult & { failed: boolean; mismatch?: string }

export const check = defineCommand({
  name: checkHelp.name,
  argmin: 2,
  argmax: -1,
  args: withReportFlags(checkHelp.args),
  oneline: checkHelp.oneline,
  help: checkHelp.help + CHECK_QUIET_HELP,
  options: rangeOptions,
  parse({ opts, operands }, ctx) {
    if (operands.length !== 2) ctx.usage()
    const range: [number, number] = [num(operands[0], ctx), num(operands[1], ctx)]
    const req = usageStop(() => parseCheck(opts, range))
    return { req, csv: !!opts.C, quiet: !!opts.q }
  },
  async execute({ session }, { req }): Promise<Checked> {
    let res: CheckResult
    try {
      res = await withProgress('check', req, (r) => checkStamps(deviceOf(session), r))
    } catch (e) {
      throw runFailure('check failed', e)
    }
    await session.poll()
    // Any bad block fails the command (exit status 1), as a pattern mismatch fails `read -P`.
    return res.ok ? { ...res, failed: false } : { ...res, failed: true, mismatch: formatCheckSummary(res) }
  },
  report(res, out, { csv, quiet }) {
    if (quiet && out.mode === 'human') {
      if (!res.ok) for (const line of formatCheck(res)) out.info(line)
      return
    }
    reportCheck(tagged(out, 'check'), res, { csv })
  },
})

export const align = defineCommand({
  name: alignHelp.name,
  argmin: 0,
  argmax: -1,
  args: alignHelp.args,
  oneline: alignHelp.oneline,
  help: alignHelp.help,
  options: { w: flag() },
  parse({ opts, operands }, ctx): AlignSweepOptions {
    if (operands.length > 1) ctx.usage()
    const off = operands.length === 1 ? num(operands[0], ctx) : undefined
    return usageStop(() => parseAlign(opts, [off]))
  },
  async execute({ session }, req) {
    const dev = deviceOf(session)
    // The sweep opens the target a second time (O_DIRECT, strict, no O_EXCL, no image lock), so it
    // runs beside the session's open, exclusive or not. Writes go through that second open: the
    // session's interlock is asked first, and the session's own requests are finished and flushed.
    if (req.write) {
      if (dev.readOnly) throw failReport('Block node is read-only')
      await session.drainAio()
      await session.guardWrite()
    }
    const line = new StepProgress('align')
    try {
      if (req.write) await dev.flush()
      const engine = dev.engine === 'closed' ? session.engine : dev.engine
      return await alignSweep(dev.path, { ...req, engine, onProgress: (f, step) => line.update(f, step) })
    } catch (e) {
      throw runFailure('align failed', e)
    } finally {
      line.clear()
    }
  },
  report: (table, out) => reportAlign(tagged(out, 'align'), table),
})
