#!/usr/bin/env node

// rawio's entry point: the compiled CLI in dist/, or a clear word on how to build it.
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const entry = join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js')
if (!existsSync(entry)) {
  process.stderr.write(
    'rawio: the compiled CLI is missing (dist/lib/cli/main.js).\n' +
      'Run `npm run prepare` (or `npx tsc -p tsconfig.build.json`) in the rawio directory, then try again.\n',
  )
  process.exit(1)
}

require(entry)
  .main(process.argv.slice(2))
  .then(
    (status) => process.exit(status),
    (e) => {
      process.stderr.write(`rawio: ${e?.message ? e.message : String(e)}\n`)
      process.exit(1)
    },
  )
