// Paths and text as the kernel has them: bytes, not necessarily UTF-8. rawio keeps every string it
// takes from the outside world (argv, stdin, file names) as the exact bytes, in a JavaScript string:
// valid UTF-8 decodes as usual, each byte of an invalid sequence becomes a lone surrogate
// U+DC80..U+DCFF (Python's "surrogateescape"). Commands split and parse such strings unchanged;
// at the kernel (a path) or the terminal (output) they turn back into the very bytes given.

const ESCAPED = /[\udc80-\udcff]/
const strict = new TextDecoder('utf-8', { fatal: true })

/** Bytes -> string, invalid UTF-8 bytes kept as lone surrogates U+DC80..U+DCFF. */
export function decodeBytes(b: Uint8Array): string {
  try {
    return strict.decode(b)
  } catch {
    // below
  }
  let out = ''
  let i = 0
  while (i < b.length) {
    const c = b[i]
    if (c < 0x80) {
      out += String.fromCharCode(c)
      i++
      continue
    }
    let n = 0
    let cp = 0
    let min = 0
    if (c >= 0xc2 && c <= 0xdf) [n, cp, min] = [1, c & 0x1f, 0x80]
    else if (c >= 0xe0 && c <= 0xef) [n, cp, min] = [2, c & 0x0f, 0x800]
    else if (c >= 0xf0 && c <= 0xf4) [n, cp, min] = [3, c & 0x07, 0x10000]
    let ok = n > 0 && i + n < b.length
    for (let k = 1; ok && k <= n; k++) {
      const d = b[i + k]
      if ((d & 0xc0) !== 0x80) ok = false
      else cp = (cp << 6) | (d & 0x3f)
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += String.fromCodePoint(cp)
      i += n + 1
    } else {
      out += String.fromCharCode(0xdc00 + c)
      i++
    }
  }
  return out
}

/** True when `s` carries bytes that are not UTF-8 (escaped by decodeBytes). */
export function hasRawBytes(s: string): boolean {
  return ESCAPED.test(s)
}

/** String -> the bytes it stands for: UTF-8, with decodeBytes' escapes back as the original bytes. */
export function encodeText(s: string): Buffer {
  if (!ESCAPED.test(s)) return Buffer.from(s, 'utf8')
  const parts: Buffer[] = []
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i)
    if (u < 0xdc80 || u > 0xdcff) continue
    const prev = i > 0 ? s.charCodeAt(i - 1) : 0
    if (prev >= 0xd800 && prev <= 0xdbff) continue // the low half of a real pair
    parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.from([u - 0xdc00]))
    start = i + 1
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'))
  return Buffer.concat(parts)
}

/** What to hand the kernel for a path: the string itself, or its exact bytes when it has escapes. */
export function fsPath(path: string): string | Buffer {
  return ESCAPED.test(path) ? encodeText(path) : path
}
