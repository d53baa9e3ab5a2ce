// `rawio bench` straight from the sources, for the pty test (run with vite-node).
import { runBenchCli } from '../../lib/bench/cli'

runBenchCli(process.argv.slice(2)).then((status) => {
  process.exitCode = status
})
