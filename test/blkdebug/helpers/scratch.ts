// Temp files for the blkdebug tests: one mkdtemp directory on /var/tmp (ext4, so O_DIRECT works),
// fresh raw images and config files in it, all removed by cleanup() (afterAll).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export class BlkdebugScratch {
  readonly dir = mkdtempSync(join('/var/tmp', 'rawio-blkdebug-'))
  private seq = 0

  /** A fresh image of `size` bytes, all `fill`. */
  image(size = 1 << 20, fill = 0): string {
    const path = join(this.dir, `img${this.seq++}.raw`)
    writeFileSync(path, Buffer.alloc(size, fill))
    return path
  }

  /** A config file holding `text`. */
  config(text: string): string {
    const path = join(this.dir, `conf${this.seq++}.conf`)
    writeFileSync(path, text)
    return path
  }

  bytes(path: string): Buffer {
    return readFileSync(path)
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Config text from sections: [['inject-error', { event: 'read_aio', errno: 28 }], ...]. */
export function conf(...sections: [string, Record<string, string | number>][]): string {
  return sections
    .map(
      ([kind, kv]) =>
        `[${kind}]\n${Object.entries(kv)
          .map(([k, v]) => `${k} = "${v}"\n`)
          .join('')}`,
    )
    .join('')
}
