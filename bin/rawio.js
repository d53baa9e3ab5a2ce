#!/usr/bin/env node

// rawio's entry point: the compiled CLI in dist/, or a clear word on how to build it. The CLI's
// modules load through its start-up cache (lib/cli/code-cache.ts).
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
const entry = join(root, 'dist', 'lib', 'cli', 'main.js')
if (!existsSync(entry)) {
  process.stderr.write(
    'rawio: the compiled CLI is missing (dist/lib/cli/main.js).\n' +
      'Run `npm run prepare` (or `npx tsc -p tsconfig.build.json`) in the rawio directory, then try again.\n',
  )
  process.exit(1)
}

// Never status 0 with the session unfinished: should the event loop run dry while a command still
// waits (a request nothing will settle), the process says so and exits 1.
let settled = false
process.on('exit', (code) => {
  if (settled || code !== 0) return
  process.stderr.write('rawio: internal error: the session ended with a command still waiting\n')
  process.exitCode = 1
})

const loaded = require(join(root, 'dist', 'lib', 'cli', 'code-cache.js')).loadCli(entry, root, require)
const cli = loaded.exports
cli.main(cli.rawArgv()).then(
  (status) => {
    settled = true
    loaded.save()
    process.exit(status)
  },
  (e) => {
    settled = true
    loaded.save()
    process.stderr.write(`rawio: ${e?.message ? e.message : String(e)}\n`)
    process.exit(1)
  },
)
