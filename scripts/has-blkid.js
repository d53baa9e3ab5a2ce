// Prints 1 when libblkid's headers are installed (the write interlock's signature probe).
const fs = require('node:fs')
process.stdout.write(fs.existsSync('/usr/include/blkid/blkid.h') ? '1' : '0')
