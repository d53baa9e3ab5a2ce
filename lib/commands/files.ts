// open, close and reopen (qemu-io.c open_f, close_f; qemu-io-cmds.c reopen_f).
import { type CacheMode, cacheModes } from '../cache-modes'
import { parseAioMode, parseBool, parseCacheMode, parseDiscardMode, parseKeyValues } from './image-options'
import { applyOpenOptions, cacheFrom, imageFromOptions } from './open-image'
import { defineCommand, failReport, flag, list, option } from './spec'
import { defaultImageOptions, type ImageOptions } from './state'

const OPEN_HELP = `
 opens a new file in the requested mode

 Example:
 'open -n -o driver=raw /tmp/data' - opens raw data file read-write, uncached

 Opens a file for subsequent use by all of the other qemu-io commands.
 -r, -- open file read-only
 -s, -- use snapshot file
 -C, -- use copy-on-read
 -n, -- disable host cache, short for -t none
 -U, -- force shared permissions
 -k, -- use kernel AIO implementation (Linux only, prefer use of -i)
 -i, -- use AIO mode (threads, native or io_uring)
 -t, -- use the given cache mode for the image
 -d, -- use the given discard mode for the image
 -o, -- options to be given to the block driver
`

/** -n and -t set the cache mode; the later of the two wins. */
function cacheOf(opts: { n?: true; t?: CacheMode }, order: readonly string[]): CacheMode {
  const last = order.filter((l) => l === 'n' || l === 't').pop()
  if (last === 'n') return 'none'
  return opts.t ?? 'writethrough'
}

export const open = defineCommand({
  name: 'open',
  alt: 'o',
  argmin: 1,
  argmax: -1,
  flags: ['nofile-ok'],
  args: '[-rsCnkU] [-t cache] [-d discard] [-o options] [path]',
  oneline: 'open the file specified by path',
  help: OPEN_HELP,
  options: {
    s: flag(),
    n: flag(),
    C: flag(),
    r: flag(),
    o: list(),
    k: flag(),
    i: option(true, parseAioMode),
    t: option(true, parseCacheMode),
    d: option(true, parseDiscardMode),
    U: flag(),
  },
  parse({ opts, operands, order }, ctx) {
    if (operands.length > 1) ctx.usage()
    const image: ImageOptions = {
      ...defaultImageOptions,
      readOnly: !!opts.r,
      cache: cacheOf(opts, order),
      discard: opts.d ?? 'unmap',
      aio: opts.i,
      nativeAio: !!opts.k,
      forceShare: !!opts.U,
    }
    const kv = new Map<string, string>()
    for (const text of opts.o ?? []) parseKeyValues(text, kv)
    return { path: operands[0] ?? null, image, kv, snapshot: !!opts.s }
  },
  async execute({ session, out }, req) {
    if (session.device) throw failReport("file open already, try 'help close'")
    if (req.path === null) {
      // openfile(NULL, ...): the path comes from the options, and messages say "can't open:".
      const { image, path } = imageFromOptions(req.image, req.kv)
      if (req.snapshot)
        throw failReport(`can't open: snapshot mode (-s) is not supported by rawio`, 'ENOTSUP')
      await session.openImage(path, image, null)
      out.result({ command: 'open', ok: true, path })
      return null
    }
    const path = req.path
    if (req.kv.has('file.filename') || req.kv.has('filename'))
      throw failReport(
        `can't open device ${path}: Can't specify 'file' and 'filename' options at the same time`,
      )
    const image = applyOpenOptions(req.image, req.kv, path)
    if (req.snapshot)
      throw failReport(`can't open device ${path}: snapshot mode (-s) is not supported by rawio`, 'ENOTSUP')
    await session.openImage(path, image)
    out.result({ command: 'open', ok: true, path })
    return null
  },
})

export const close = defineCommand({
  name: 'close',
  alt: 'c',
  argmin: 0,
  argmax: 0,
  oneline: 'close the current open file',
  parse: () => null,
  async execute({ session, out }) {
    await session.closeImage()
    out.result({ command: 'close', ok: true })
    return null
  },
})

const REOPEN_HELP = `
 Changes the open options of an already opened image

 Example:
 'reopen -o lazy-refcounts=on' - activates lazy refcount writeback on a qcow2 image

 -r, -- Reopen the image read-only
 -w, -- Reopen the image read-write
 -c, -- Change the cache mode to the given value
 -o, -- Changes block driver options (cf. 'open' command)

`

const onlyOne = option(false, (_v, ctx) => {
  if (ctx.seen.includes('r') || ctx.seen.includes('w')) throw failReport('Only one -r/-w option may be given')
  return true as const
})

export const reopen = defineCommand({
  name: 'reopen',
  argmin: 0,
  argmax: -1,
  args: '[(-r|-w)] [-c cache] [-o options]',
  oneline: 'reopens an image with new options',
  help: REOPEN_HELP,
  options: { c: option(true, parseCacheMode), o: list(), r: onlyOne, w: onlyOne },
  parse({ opts, operands, order }, ctx) {
    if (operands.length !== 0) ctx.usage()
    const kv = new Map<string, string>()
    for (const text of opts.o ?? []) parseKeyValues(text, kv)
    const rw = order.find((l) => l === 'r' || l === 'w')
    return { cache: opts.c, readOnly: rw === undefined ? undefined : rw === 'r', kv }
  },
  async execute({ session, out }, req) {
    const dev = session.device
    if (!dev) throw new Error('reopen needs an image')
    let readOnly = req.readOnly
    if (req.kv.has('read-only')) {
      if (readOnly !== undefined) throw failReport("Cannot set both -r/-w and 'read-only'")
    }
    const cacheKeys = req.kv.has('cache.direct') || req.kv.has('cache.no-flush')
    if (cacheKeys && req.cache !== undefined) throw failReport('Cannot set both -c and the cache options')
    let cache = req.cache ?? dev.cache
    let direct = cacheModes[cache].direct
    let noFlush = cacheModes[cache].ignoreFlush
    let discard = session.image?.discard
    for (const [key, value] of req.kv) {
      if (key === 'read-only') readOnly = parseBool(key, value)
      else if (key === 'cache.direct') direct = parseBool(key, value)
      else if (key === 'cache.no-flush') noFlush = parseBool(key, value)
      else if (key === 'discard') discard = parseDiscardMode(value)
      else if (key === 'driver' && value === (session.image?.format ?? 'raw')) continue
      // qemu names a protocol option without its node's prefix (file.locking: 'locking').
      else throw failReport(`Cannot change the option '${key.replace(/^file\./, '')}'`)
    }
    if (cacheKeys) cache = cacheFrom(direct, noFlush, cacheModes[cache].writethrough)
    await session.reopenImage({ readOnly, cache, discard })
    out.result({ command: 'reopen', ok: true, readOnly: dev.readOnly, cache: dev.cache })
    return null
  },
})
