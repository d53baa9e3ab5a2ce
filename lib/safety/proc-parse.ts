// Pure parsers for the kernel's text tables the interlock reads: /proc/self/mountinfo and
// /proc/swaps. No I/O here, so they are tested on fixtures.

export interface MountEntry {
  /** 'major:minor' of the filesystem's st_dev (an anonymous 0:N for btrfs, nfs, tmpfs...). */
  dev: string
  mountPoint: string
  fsType: string
  /** The mount source: '/dev/sda1', 'tmpfs', 'server:/export'. */
  source: string
}

/** Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)))
}

/**
 * proc(5) mountinfo: `id parent major:minor root mountpoint options [optional...] - fstype source super`.
 * Lines that do not have that shape are skipped, not fatal: a safety check must not fail open on
 * a field the kernel adds later, and the fields it needs come before the separator or right after it.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    const f = line.split(' ')
    const sep = f.indexOf('-', 6)
    if (sep < 0 || sep + 2 >= f.length) continue
    if (!/^\d+:\d+$/.test(f[2])) continue
    out.push({
      dev: f[2],
      mountPoint: unescapeOctal(f[4]),
      fsType: f[sep + 1] ?? '',
      source: unescapeOctal(f[sep + 2] ?? ''),
    })
  }
  return out
}

export interface SwapEntry {
  path: string
  type: string
}

/** /proc/swaps: a header line, then `Filename Type Size Used Priority` (whitespace separated). */
export function parseSwaps(text: string): SwapEntry[] {
  const out: SwapEntry[] = []
  const lines = text.split('\n')
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 2 || f[0] === '') continue
    out.push({ path: unescapeOctal(f[0]), type: f[1] })
  }
  return out
}

/** glibc's major()/minor() of a dev_t (st_rdev). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n)
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n)
  return { major: Number(major), minor: Number(minor) }
}
