// bench: rawio's benchmark from the shell (not a qemu-io command). The job language and the runner
// live in lib/bench; this only hands the words over.
import { defineCommand } from './spec'

const BENCH_HELP = `
 runs a benchmark job against the open image, or TARGET (a rawio extension, not in qemu-io)

 Example:
 'bench --rw=randread --bs=4k --iodepth=32 --runtime=5s' - 5 seconds of 4k random reads

 The arguments are those of 'rawio bench' (rawio bench --help).

`

export const bench = defineCommand({
  name: 'bench',
  argmin: 0,
  argmax: -1,
  flags: ['nofile-ok'],
  args: '[options] [TARGET]',
  oneline: 'runs a benchmark job (rawio extension)',
  help: BENCH_HELP,
  parse: ({ operands }) => ({ args: operands }),
  async execute({ session }, req) {
    const rc = await session.bench(req.args)
    return rc === 0 ? null : { failed: true }
  },
})
