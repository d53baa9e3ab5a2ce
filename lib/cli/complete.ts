// TAB completion for the shell, pure: command names (as qemu-io completes them), a command's option
// letters, and paths for the words that name files (open's path, write -s source_file).
import { readdirSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { completeCommand, findCommand } from '../commands/table'

/** Paths starting with `word`; directories end with '/'. */
export function completePath(word: string): string[] {
  const dir = word.endsWith('/') ? word : dirname(word)
  const prefix = word.endsWith('/') ? '' : basename(word)
  const shown = word.endsWith('/')
    ? word
    : dir === '.' && !word.startsWith('./')
      ? ''
      : `${dir === '/' ? '' : dir}/`
  let names: string[]
  try {
    names = readdirSync(dir === '' ? '.' : dir)
  } catch {
    return []
  }
  return names
    .filter((n) => n.startsWith(prefix) && (prefix.startsWith('.') || !n.startsWith('.')))
    .sort()
    .map((n) => {
      let isDir = false
      try {
        isDir = statSync(join(dir, n)).isDirectory()
      } catch {
        // a dangling link completes as a file
      }
      return `${shown}${n}${isDir ? '/' : ''}`
    })
}

/** readline's completer: [candidates, the word they replace]. */
export async function complete(line: string): Promise<[string[], string]> {
  const words = line.split(' ')
  const word = words[words.length - 1]
  const before = words.slice(0, -1).filter((w) => w !== '')
  if (before.length === 0) return [completeCommand(word), word]
  const cmd = await findCommand(before[0])
  if (!cmd) return [[], word]
  if (word.startsWith('-') && cmd.options) {
    const letters = Object.keys(cmd.options)
    return [word === '-' ? letters.map((l) => `-${l}`) : [], word]
  }
  const previous = before[before.length - 1]
  const wantsPath =
    (cmd.name === 'open' && !['-o', '-t', '-d', '-i'].includes(previous)) ||
    (cmd.name === 'write' && previous === '-s')
  if (wantsPath) return [completePath(word), word]
  return [[], word]
}
