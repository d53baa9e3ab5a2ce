// Plugs blkdebug into Device.open: `blkdebug:CONFIG:PATH` names open through lib/blkdebug/open.ts,
// loaded at the first such open. Imported by the public API (lib/index.ts, lib/blkdebug) and by the
// command layer's opener, so that Device never reaches up to blkdebug.
import { registerOpener } from '../device'

registerOpener('blkdebug:', async (name, opts) => (await import('./open.js')).openBlkdebug(name, opts))
