// Prints 1 when a static liburing is available (binding.gyp links it statically).
const fs = require('node:fs')
const dirs = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
]
const ok = dirs.some((d) => fs.existsSync(`${d}/liburing.a`)) && fs.existsSync('/usr/include/liburing.h')
process.stdout.write(ok ? '1' : '0')
