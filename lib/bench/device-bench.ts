// Device.bench(): bench plugs into Device from above (lib/device.ts imports nothing of lib/bench).
// Loading lib/bench (as lib/index.ts does) adds the method; its type is declared here.
import { Device } from '../device'
import type { JobOptions } from './options'
import { type BenchRun, startBench } from './run'

declare module '../device' {
  interface Device {
    /**
     * A fio-grade benchmark job on this target, run natively (its own threads and rings);
     * `direct` defaults to this device's cache mode. The run emits 'progress' events.
     */
    bench(options?: JobOptions): Promise<BenchRun>
  }
}

Object.defineProperty(Device.prototype, 'bench', {
  configurable: true,
  writable: true,
  value: async function bench(this: Device, options: JobOptions = {}): Promise<BenchRun> {
    this.checkOpen('bench')
    return startBench(this.path, { direct: this.direct, ...options }, { shared: true })
  },
})
