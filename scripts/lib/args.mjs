// `--name value` options for the benchmark scripts.
export const args = process.argv.slice(2)

export function opt(name, def) {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : def
}
