// Lists native/**/*.cc for binding.gyp (CMakeLists.txt globs the same tree).
const fs = require('node:fs')
const path = require('node:path')
const out = []
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name)
    if (e.isDirectory()) walk(p)
    else if (p.endsWith('.cc')) out.push(p)
  }
}
walk(path.join(__dirname, '..', 'native'))
process.stdout.write(
  out
    .map((p) => path.relative(path.join(__dirname, '..'), p))
    .sort()
    .join(' '),
)
