// The few C printf conversions qemu-io's output uses, reproduced exactly as glibc prints them.
//
// `%.Nf` is computed from the exact binary value of the double with BigInt arithmetic and rounded
// half-to-even, as glibc does in the default rounding mode. Number.prototype.toFixed is not used: it
// also works on the exact value, but breaks ties upwards ((0.125).toFixed(2) is '0.13', glibc prints
// '0.12'; (2.5).toFixed(0) is '3', glibc prints '2') and switches to exponent form from 1e21 up.

const view = new DataView(new ArrayBuffer(8))

/** Split a finite double into sign and an exact `mantissa * 2 ** exponent`. */
function decompose(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const biased = (hi >>> 20) & 0x7ff
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  if (biased !== 0) mantissa |= 1n << 52n
  return { negative: hi >>> 31 === 1, mantissa, exponent: (biased === 0 ? 1 : biased) - 1075 }
}

/**
 * Non-finite values as glibc prints them. A NaN is printed as '-nan': the only NaNs qemu-io formats come
 * from 0.0 / 0.0, which on x86-64 yields the default NaN with the sign bit set (JS cannot carry NaN signs).
 */
function nonFinite(x: number): string {
  if (Number.isNaN(x)) return '-nan'
  return x < 0 ? '-inf' : 'inf'
}

function pad(body: string, negative: boolean, width: number, zero: boolean): string {
  const sign = negative ? '-' : ''
  if (sign.length + body.length >= width) return sign + body
  if (zero) return sign + body.padStart(width - sign.length, '0')
  return (sign + body).padStart(width, ' ')
}

/** C `%[0][width].<precision>f` (precision defaults to 6, like `%f`). */
export function fixed(x: number, precision = 6, width = 0, zeroPad = false): string {
  if (!Number.isFinite(x)) return pad(nonFinite(x).replace('-', ''), x < 0 || Number.isNaN(x), width, false)
  const { negative, mantissa, exponent } = decompose(x)
  const scale = 10n ** BigInt(precision)
  let digits: bigint
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)) * scale
  } else {
    const denominator = 1n << BigInt(-exponent)
    const numerator = mantissa * scale
    digits = numerator / denominator
    const twice = (numerator % denominator) * 2n
    if (twice > denominator || (twice === denominator && digits % 2n === 1n)) digits += 1n
  }
  let text = digits.toString()
  if (precision > 0) {
    text = text.padStart(precision + 1, '0')
    text = `${text.slice(0, -precision)}.${text.slice(-precision)}`
  }
  return pad(text, negative, width, zeroPad)
}

/** C `%[0][width]d` / `%u` / PRId64 of an integer (bigint for values beyond 2^53). */
export function int(n: number | bigint, width = 0, zeroPad = false): string {
  const v = BigInt(n)
  return pad((v < 0n ? -v : v).toString(), v < 0n, width, zeroPad)
}

/** C `%0<width>x` / PRIx64 of a non-negative integer. */
export function hex(n: number | bigint, width = 0): string {
  return BigInt(n).toString(16).padStart(width, '0')
}
