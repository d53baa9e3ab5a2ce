// qemu 7.2's blkdebug vocabulary, as data: the BlkdebugEvent and BlkdebugIOType enums of
// qapi/block-core.json, in qemu's order. Every name here is accepted in a config or by `break`,
// as qemu-io accepts it; only the events of a raw image's I/O path ever fire (see docs/blkdebug.md).

export const BLKDEBUG_EVENTS = [
  'l1_update',
  'l1_grow_alloc_table',
  'l1_grow_write_table',
  'l1_grow_activate_table',
  'l2_load',
  'l2_update',
  'l2_update_compressed',
  'l2_alloc_cow_read',
  'l2_alloc_write',
  'read_aio',
  'read_backing_aio',
  'read_compressed',
  'write_aio',
  'write_compressed',
  'vmstate_load',
  'vmstate_save',
  'cow_read',
  'cow_write',
  'reftable_load',
  'reftable_grow',
  'reftable_update',
  'refblock_load',
  'refblock_update',
  'refblock_update_part',
  'refblock_alloc',
  'refblock_alloc_hookup',
  'refblock_alloc_write',
  'refblock_alloc_write_blocks',
  'refblock_alloc_write_table',
  'refblock_alloc_switch_table',
  'cluster_alloc',
  'cluster_alloc_bytes',
  'cluster_free',
  'flush_to_os',
  'flush_to_disk',
  'pwritev_rmw_head',
  'pwritev_rmw_after_head',
  'pwritev_rmw_tail',
  'pwritev_rmw_after_tail',
  'pwritev',
  'pwritev_zero',
  'pwritev_done',
  'empty_image_prepare',
  'l1_shrink_write_table',
  'l1_shrink_free_l2_clusters',
  'cor_write',
  'cluster_alloc_space',
  'none',
] as const

export type BlkdebugEvent = (typeof BLKDEBUG_EVENTS)[number]

/** The events a raw image's I/O path raises (the others are for qcow2 and friends). */
export const RAW_PATH_EVENTS: readonly BlkdebugEvent[] = [
  'none',
  'read_aio',
  'write_aio',
  'flush_to_os',
  'flush_to_disk',
  'pwritev_rmw_head',
  'pwritev_rmw_after_head',
  'pwritev_rmw_tail',
  'pwritev_rmw_after_tail',
  'pwritev',
  'pwritev_zero',
  'pwritev_done',
]

const eventSet: ReadonlySet<string> = new Set(BLKDEBUG_EVENTS)

export function isBlkdebugEvent(name: string): name is BlkdebugEvent {
  return eventSet.has(name)
}

export const IO_TYPES = ['read', 'write', 'write-zeroes', 'discard', 'flush', 'block-status'] as const
export type IoType = (typeof IO_TYPES)[number]

/** Bit of an iotype in a rule's mask. */
export const iotypeBit = (t: IoType): number => 1 << IO_TYPES.indexOf(t)

/** qemu's default when a rule names no iotype: everything but block-status. */
export const DEFAULT_IOTYPE_MASK =
  iotypeBit('read') |
  iotypeBit('write') |
  iotypeBit('write-zeroes') |
  iotypeBit('discard') |
  iotypeBit('flush')
