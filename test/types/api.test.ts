// Type tests for the public library surface (checked by tsc --noEmit and vitest).
import { describe, expectTypeOf, it } from 'vitest'
import type { Device, Extent, Geometry, IoError, IoResult, OpenOptions, ReadResult } from '../../lib/index'
import * as api from '../../lib/index'

describe('public types', () => {
  it('Device methods return typed results', () => {
    expectTypeOf<Device['read']>().returns.resolves.toEqualTypeOf<ReadResult>()
    expectTypeOf<Device['write']>().returns.resolves.toEqualTypeOf<IoResult>()
    expectTypeOf<Device['writev']>().parameters.toEqualTypeOf<[number, Uint8Array[], api.WriteOptions?]>()
    expectTypeOf<Device['map']>().returns.resolves.toEqualTypeOf<Extent[]>()
    expectTypeOf<Device['geometry']>().toEqualTypeOf<Geometry>()
    expectTypeOf(api.Device.open).returns.resolves.toEqualTypeOf<Device>()
  })

  it('options and errors', () => {
    expectTypeOf<OpenOptions['cache']>().toEqualTypeOf<
      'none' | 'off' | 'writeback' | 'writethrough' | 'directsync' | 'unsafe' | undefined
    >()
    expectTypeOf<OpenOptions['align']>().toEqualTypeOf<'auto' | 'strict' | undefined>()
    expectTypeOf<IoError['code']>().toBeString()
    expectTypeOf<IoError['errno']>().toBeNumber()
    expectTypeOf<IoError['offset']>().toEqualTypeOf<number | undefined>()
    expectTypeOf(api.engines).returns.toHaveProperty('io_uring')
  })
})
