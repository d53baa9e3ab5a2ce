// The promises of the addon's device are made here, in JavaScript, and settled in batches: the
// addon's submit returns a request id, and each reap of the completion pump settles its requests
// with one call into this file (native/napi/device_requests.cc: [id, bytes, ns] per request in a
// Float64Array), plus one call per failed request with its IoError. A promise and its result object
// made by JIT-compiled code cost less than the N-API calls that made them per request (a deferred, a
// global handle, an object, two numbers, two named properties).
import type { Buffers, NativeDevice, NativeOpenOptions, NativeResult } from './native'

/** The addon's class as it is exported: requests are submitted and named by an id. */
export interface RawNativeDevice extends Omit<NativeDevice, 'read' | 'write' | 'space'> {
  submitRead(buffers: Buffers, offset: number): number
  submitWrite(buffers: Buffers, offset: number, fua: boolean): number
  submitSpace(op: number, offset?: number, length?: number): number
}

export type RawNativeDeviceClass = new (
  path: string | Buffer,
  opts: NativeOpenOptions,
  results: Float64Array,
  onBatch: (n: number) => void,
  onFail: (id: number, error: unknown) => void,
) => RawNativeDevice

export type NativeDeviceClass = new (path: string | Buffer, opts: NativeOpenOptions) => NativeDevice

type Resolve = (r: NativeResult) => void
type Reject = (e: unknown) => void

/** Requests settled per call into JS at most (the addon makes more calls for a larger reap). */
const BATCH = 256

/** The addon's class with promises: read/write/space as NativeDevice declares them. */
export function withPromises(Raw: RawNativeDeviceClass): NativeDeviceClass {
  return class PromisingNativeDevice extends Raw implements NativeDevice {
    private readonly resolves: (Resolve | undefined)[]
    private readonly rejects: (Reject | undefined)[]

    constructor(path: string | Buffer, opts: NativeOpenOptions) {
      // over 64 bytes, so V8 keeps it off its heap: the addon writes to a fixed address
      const results = new Float64Array(3 * BATCH)
      const resolves: (Resolve | undefined)[] = []
      const rejects: (Reject | undefined)[] = []
      const onBatch = (n: number) => {
        for (let i = 0, end = 3 * n; i < end; i += 3) {
          const id = results[i] | 0 // a small integer: an element index, not a number key
          const resolve = resolves[id] as Resolve
          resolves[id] = undefined
          rejects[id] = undefined
          resolve({ bytes: results[i + 1], ns: results[i + 2] })
        }
      }
      const onFail = (id: number, error: unknown) => {
        const reject = rejects[id] as Reject
        resolves[id] = undefined
        rejects[id] = undefined
        reject(error)
      }
      super(path, opts, results, onBatch, onFail)
      this.resolves = resolves
      this.rejects = rejects
    }

    read(buffers: Buffers, offset: number): Promise<NativeResult> {
      return this.settled(this.submitRead(buffers, offset))
    }

    write(buffers: Buffers, offset: number, fua: boolean): Promise<NativeResult> {
      return this.settled(this.submitWrite(buffers, offset, fua))
    }

    space(op: number, offset?: number, length?: number): Promise<NativeResult> {
      return this.settled(this.submitSpace(op, offset, length))
    }

    /** The promise of request `id`, submitted just now (nothing settles before the loop turns). */
    private settled(id: number): Promise<NativeResult> {
      return new Promise<NativeResult>((resolve, reject) => {
        this.resolves[id] = resolve
        this.rejects[id] = reject
      })
    }
  }
}
