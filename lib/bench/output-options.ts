// How a bench reports: fio's --output-format list and --output FILE (pure). The formats are
// fio's (normal is rawio's human report) plus rawio's own JSON schema and CSV line.
import { UsageError } from '../errors'

export const outputFormats = ['normal', 'json', 'json+', 'terse', 'rawio-json', 'rawio-csv'] as const
export type OutputFormat = (typeof outputFormats)[number]

export interface OutputOptions {
  /** In fio's print order (terse, json, normal), then rawio's; each at most once. */
  formats: OutputFormat[]
  quiet: boolean
  /** --output FILE: every report goes there instead of stdout. */
  output?: string
  /** --report FILE: also write the run's self-contained HTML report (docs/report.md). */
  report?: string
}

// fio's names for the same thing (init.c: parse_output_format).
const ALIASES: Record<string, OutputFormat> = { minimal: 'terse', csv: 'terse', 'rawio-json': 'rawio-json' }

// fio prints terse, then json, then normal (the order of its output buffers); rawio's own last.
const ORDER: OutputFormat[] = ['terse', 'json+', 'json', 'normal', 'rawio-json', 'rawio-csv']

/** `normal,json` -> ['json', 'normal']; json+ stands for json. Throws UsageError on an unknown name. */
export function parseOutputFormats(text: string): OutputFormat[] {
  const set = new Set<OutputFormat>()
  for (const word of text.split(',')) {
    const f = ALIASES[word] ?? word
    if (!(outputFormats as readonly string[]).includes(f))
      throw new UsageError(
        `output-format '${word}' is not one of ${outputFormats.join(', ')} (or fio's minimal, csv)`,
      )
    set.add(f as OutputFormat)
  }
  if (set.has('json+')) set.delete('json')
  return ORDER.filter((f) => set.has(f))
}
