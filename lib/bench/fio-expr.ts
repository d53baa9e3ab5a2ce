// The arithmetic fio allows in option values: `size=(1+1)*4096` (its expression parser, for
// values starting with '(') and `numjobs=$ncpus/2` (bc, run after a keyword substitution).
// + - * / % ^ and parentheses over decimal numbers; `/` truncates between whole numbers, as bc
// does with its default scale 0. Pure.
import { UsageError } from '../errors'

export function evalFioExpression(text: string, where: string): number {
  const src = text.replace(/\s+/g, '')
  let at = 0
  const fail = (why: string): never => {
    throw new UsageError(`${where}: cannot compute '${text}': ${why}`)
  }
  const peek = () => src[at]
  const primary = (): number => {
    if (peek() === '(') {
      at++
      const v = sum()
      if (peek() !== ')') fail(`')' expected at column ${at + 1}`)
      at++
      return v
    }
    if (peek() === '-' || peek() === '+') {
      const neg = src[at++] === '-'
      const v = primary()
      return neg ? -v : v
    }
    const m = /^(\d+(?:\.\d*)?|\.\d+)/.exec(src.slice(at))
    if (!m) fail(at >= src.length ? 'unexpected end' : `unexpected '${src[at]}' at column ${at + 1}`)
    at += (m as RegExpExecArray)[0].length
    return Number((m as RegExpExecArray)[0])
  }
  const power = (): number => {
    const base = primary()
    if (peek() !== '^') return base
    at++
    return base ** power()
  }
  const product = (): number => {
    let v = power()
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = src[at++]
      const r = power()
      if (op === '*') v *= r
      else if (r === 0) fail('division by zero')
      else if (op === '%') v %= r
      else v = Number.isInteger(v) && Number.isInteger(r) ? Math.trunc(v / r) : v / r
    }
    return v
  }
  function sum(): number {
    let v = product()
    while (peek() === '+' || peek() === '-') {
      const op = src[at++]
      const r = product()
      v = op === '+' ? v + r : v - r
    }
    return v
  }
  if (src === '') fail('empty expression')
  const v = sum()
  if (at !== src.length) fail(`unexpected '${src[at]}' at column ${at + 1}`)
  if (!Number.isFinite(v)) fail('the result is not a finite number')
  return v
}
