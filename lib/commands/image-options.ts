// qemu's block option values, parsed with qemu's messages: cache (-t / -c), discard (-d), aio (-i),
// and the `-o key=value,...` option strings of open and reopen.
import { type CacheMode, isCacheMode } from '../cache-modes'
import { failReport } from './spec'
import type { AioMode, DiscardMode } from './state'

/** bdrv_parse_cache_mode */
export function parseCacheMode(value: string): CacheMode {
  if (!isCacheMode(value)) throw failReport(`Invalid cache option: ${value}`)
  return value
}

/** bdrv_parse_discard_flags */
export function parseDiscardMode(value: string): DiscardMode {
  if (value === 'off' || value === 'ignore') return 'ignore'
  if (value === 'on' || value === 'unmap') return 'unmap'
  throw failReport(`Invalid discard option: ${value}`)
}

/** bdrv_parse_aio */
export function parseAioMode(value: string): AioMode {
  if (value === 'threads' || value === 'native' || value === 'io_uring') return value
  throw failReport(`Invalid aio option: ${value}`)
}

/**
 * qemu_opts_parse: `a=b,c=d` (`,,` is a literal comma; a bare `key` means `key=on`). Later
 * occurrences of a key win, as qemu's merged option lists do.
 */
export function parseKeyValues(text: string, into = new Map<string, string>()): Map<string, string> {
  const items: string[] = []
  let cur = ''
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ',') {
      if (text[i + 1] === ',') {
        cur += ','
        i++
        continue
      }
      items.push(cur)
      cur = ''
      continue
    }
    cur += text[i]
  }
  items.push(cur)
  for (const item of items) {
    if (item === '') continue
    const eq = item.indexOf('=')
    if (eq < 0) into.set(item.startsWith('no') ? item.slice(2) : item, item.startsWith('no') ? 'off' : 'on')
    else into.set(item.slice(0, eq), item.slice(eq + 1))
  }
  return into
}

/** qemu's QAPI bool: 'on' or 'off' (also yes/no, true/false), else "Parameter 'k' expects 'on' or 'off'". */
export function parseBool(key: string, value: string, prefix = ''): boolean {
  if (['on', 'yes', 'true', 'y'].includes(value)) return true
  if (['off', 'no', 'false', 'n'].includes(value)) return false
  throw failReport(`${prefix}Parameter '${key}' expects 'on' or 'off'`)
}

/** The formats qemu 7.2 knows (qemu-img --help); rawio opens only raw, file and host_device. */
export const QEMU_FORMATS = new Set(
  (
    'blkdebug blklogwrites blkverify bochs cloop compress copy-before-write copy-on-read dmg file ftp ftps ' +
    'gluster host_cdrom host_device http https iscsi iser luks nbd nfs null-aio null-co nvme parallels ' +
    'preallocate qcow qcow2 qed quorum raw rbd replication snapshot-access ssh throttle vdi vhdx vmdk vpc vvfat'
  ).split(' '),
)

export const RAWIO_FORMATS = new Set(['raw', 'file', 'host_device'])
