// fio 3.33's job options, each one of: run by rawio (its option table, or a conversion here),
// accepted with a one-line warning because it changes nothing about the requests sent (output,
// CPU placement, accounting), or refused by name, before any I/O, with its file and line.
// An option fio does not know either is refused the same way. Pure.
import { UsageError } from '../errors'
import { parseFioSize } from './fio-units'
import type { JobFileOption, SourceLine } from './jobfile'

/** A value that leaves the option at fio's default (off): `0`, `false`, `none`... */
export const isOff = (v: string | undefined) =>
  v !== undefined && ['0', 'false', 'no', 'off', 'none', ''].includes(v.trim().toLowerCase())

export type CatalogRule =
  /** Accepted; nothing the job sends changes. The text says why, in a warning. */
  | { warn: string; quietWhen?: (v: string | undefined) => boolean }
  /** Refused, unless `accept` says this value is what rawio does anyway. */
  | { refuse: string; accept?: (v: string | undefined) => boolean }

const output = (_what: string): CatalogRule => ({ warn: 'output only, not produced by rawio' })
const noEffect = (why: string): CatalogRule => ({ warn: why })
const refuse = (why: string, accept?: (v: string | undefined) => boolean): CatalogRule => ({
  refuse: why,
  accept,
})
const offOnly = (why: string): CatalogRule => refuse(why, isOff)
const verifyRefusal = offOnly(
  "fio's verify headers are not implemented; rawio verifies with --verify=stamp (docs/bench.md)",
)
const content = offOnly(
  'rawio writes random (incompressible, unique) data; other buffer contents are not implemented',
)

/** Options rawio does not run, by fio's name (aliases included). */
export const fioCatalog: Record<string, CatalogRule> = {
  // Output, accounting and reporting (group_reporting, percentile_list and *_percentiles are
  // rawio's own options: lib/bench/report-options.ts).
  description: noEffect('a description only'),
  stats: output('stats'),
  unit_base: output('unit_base'),
  clocksource: noEffect('rawio times requests with CLOCK_MONOTONIC'),
  gtod_reduce: noEffect('rawio always measures latency (submit to completion)'),
  gtod_cpu: noEffect('rawio has no time-keeping thread'),
  disable_lat: noEffect('rawio always measures latency'),
  disable_clat: noEffect('rawio always measures latency'),
  disable_slat: noEffect('rawio does not measure submission latency'),
  disable_bw_measurement: noEffect('rawio always measures bandwidth'),
  disable_bw: noEffect('rawio always measures bandwidth'),
  significant_figures: output('significant_figures'),
  block_error_percentiles: output('block_error_percentiles'),
  bwavgtime: output('bwavgtime'),
  iopsavgtime: output('iopsavgtime'),
  disk_util: output('disk_util'),
  error_dump: output('error_dump'),
  log_compression: noEffect('rawio keeps log samples uncompressed in memory'),
  log_compression_cpus: noEffect('rawio keeps log samples uncompressed in memory'),
  log_store_compressed: offOnly('compressed logs (.fz) are not implemented'),
  log_alternate_epoch: offOnly('log_alternate_epoch is not implemented (log_unix_epoch is)'),
  log_alternate_epoch_clock_id: noEffect('only with log_alternate_epoch, which rawio refuses'),
  log_entries: noEffect('rawio sizes its log memory itself'),
  // Where and how the job thread runs: the requests stay the same.
  thread: { warn: 'rawio runs every job as a thread', quietWhen: () => true },
  cpus_allowed: noEffect('CPU affinity is not set by rawio'),
  cpumask: noEffect('CPU affinity is not set by rawio'),
  cpus_allowed_policy: noEffect('CPU affinity is not set by rawio'),
  numa_cpu_nodes: noEffect('NUMA placement is not set by rawio'),
  numa_mem_policy: noEffect('NUMA placement is not set by rawio'),
  nice: noEffect('rawio does not change the job thread priority'),
  prio: refuse('I/O priorities (ioprio_set) are not implemented'),
  prioclass: refuse('I/O priorities (ioprio_set) are not implemented'),
  uid: refuse('rawio does not switch users'),
  gid: refuse('rawio does not switch groups'),
  cgroup: refuse('cgroups are not implemented'),
  cgroup_weight: refuse('cgroups are not implemented'),
  cgroup_nodelete: noEffect('cgroups are not implemented'),
  lockmem: refuse('lockmem is not implemented'),
  mem: refuse("I/O buffers come from posix_memalign (fio's malloc)", (v) => v === 'malloc'),
  iomem: refuse("I/O buffers come from posix_memalign (fio's malloc)", (v) => v === 'malloc'),
  'hugepage-size': noEffect('I/O buffers do not use huge pages'),
  iomem_align: refuse('I/O buffers are aligned to 4096 bytes (or more)', (v) => divides4k(v)),
  mem_align: refuse('I/O buffers are aligned to 4096 bytes (or more)', (v) => divides4k(v)),
  // Reaping and submission details: which requests are sent does not change.
  iodepth_batch_complete_min: noEffect('rawio reaps every completion available, waiting for at least one'),
  iodepth_batch_complete: noEffect('rawio reaps every completion available, waiting for at least one'),
  iodepth_batch_complete_max: noEffect('rawio reaps every completion available, waiting for at least one'),
  io_submit_mode: refuse('io_submit_mode=offload is not implemented', (v) => v === 'inline'),
  random_generator: noEffect(
    "rawio's own generator (xoshiro256** and a Feistel random map); the distribution is the same",
  ),
  allrandrepeat: noEffect('rawio derives every random stream from randseed'),
  exitall_on_error: noEffect('a failed request stops every job of a rawio run anyway'),
  // Files: rawio benchmarks targets that exist.
  allow_mounted_write: noEffect("rawio's write interlock still refuses mounted devices"),
  allow_file_create: noEffect('rawio does not create files: the target must exist'),
  create_on_open: noEffect('rawio does not create files'),
  create_serialize: noEffect('rawio does not create files'),
  create_fsync: noEffect('rawio does not create files'),
  create_only: offOnly('rawio does not create files'),
  fallocate: noEffect('rawio does not create or lay out files'),
  pre_read: offOnly('pre_read is not implemented'),
  unique_filename: noEffect('one client: file names are as given'),
  nrfiles: refuse(
    'one file per job: give several jobs (or filename=a:b is not implemented yet)',
    (v) => v === '1',
  ),
  nr_files: refuse('one file per job', (v) => v === '1'),
  openfiles: refuse('one file per job', (v) => v === '1'),
  file_service_type: noEffect('one file per job'),
  filename_format: refuse('give filename= (rawio does not make file names)'),
  lockfile: refuse('file locks are not implemented', (v) => v === 'none'),
  unlink: offOnly('rawio never deletes a target'),
  unlink_each_loop: offOnly('rawio never deletes a target'),
  opendir: refuse('opendir is not implemented'),
  fill_device: offOnly('fill_device is not implemented'),
  fill_fs: offOnly('fill_device is not implemented'),
  file_append: offOnly('file_append is not implemented'),
  overwrite: noEffect('rawio does not lay out files'),
  filesize: refuse('filesize is not implemented: give size='),
  offset_increment: offOnly('offset_increment is not implemented'),
  offset_align: refuse('offset_align is not implemented', (v) => isOff(v)),
  // Page cache handling (buffered jobs).
  sync_file_range: refuse('sync_file_range is not implemented'),
  write_barrier: offOnly('write_barrier is not implemented'),
  write_hint: refuse('write hints are not implemented', (v) => v === 'none'),
  // Data content.
  zero_buffers: content,
  refill_buffers: content,
  scramble_buffers: noEffect('rawio writes random data'),
  buffer_compress_percentage: content,
  buffer_compress_chunk: content,
  buffer_pattern: refuse('rawio writes random (incompressible) data; buffer_pattern is not implemented'),
  dedupe_percentage: content,
  dedupe_mode: content,
  dedupe_working_set_percentage: content,
  dedupe_global: content,
  // Verification.
  do_verify: verifyRefusal,
  verify_interval: verifyRefusal,
  verify_offset: verifyRefusal,
  verify_pattern: verifyRefusal,
  verify_fatal: verifyRefusal,
  verify_dump: verifyRefusal,
  verify_async: verifyRefusal,
  verify_async_cpus: verifyRefusal,
  verify_backlog: verifyRefusal,
  verify_backlog_batch: verifyRefusal,
  verify_state_load: verifyRefusal,
  verify_state_save: verifyRefusal,
  verify_only: verifyRefusal,
  verifysort: verifyRefusal,
  verifysort_nr: verifyRefusal,
  experimental_verify: verifyRefusal,
  trim_percentage: offOnly('trim_percentage (trim after verify) is not implemented'),
  trim_verify_zero: verifyRefusal,
  trim_backlog: offOnly('trim_backlog is not implemented'),
  trim_backlog_batch: offOnly('trim_backlog is not implemented'),
  // Workload features rawio does not run.
  ioscheduler: refuse('rawio does not change the I/O scheduler'),
  exec_prerun: refuse('rawio does not run commands'),
  exec_postrun: refuse('rawio does not run commands'),
  read_iolog: refuse('replaying I/O logs is not implemented'),
  read_iolog_chunked: refuse('replaying I/O logs is not implemented'),
  replay_no_stall: refuse('replaying I/O logs is not implemented'),
  replay_redirect: refuse('replaying I/O logs is not implemented'),
  replay_align: refuse('replaying I/O logs is not implemented'),
  replay_scale: refuse('replaying I/O logs is not implemented'),
  replay_time_scale: refuse('replaying I/O logs is not implemented'),
  replay_skip: refuse('replaying I/O logs is not implemented'),
  merge_blktrace_file: refuse('replaying I/O logs is not implemented'),
  merge_blktrace_scalars: refuse('replaying I/O logs is not implemented'),
  merge_blktrace_iters: refuse('replaying I/O logs is not implemented'),
  latency_target: refuse('latency_target (queue depth search) is not implemented'),
  latency_window: refuse('latency_target (queue depth search) is not implemented'),
  latency_percentile: refuse('latency_target (queue depth search) is not implemented'),
  latency_run: refuse('latency_target (queue depth search) is not implemented'),
  max_latency: refuse('max_latency is not implemented'),
  flow: refuse('flow is not implemented'),
  flow_id: refuse('flow is not implemented'),
  flow_watermark: refuse('flow is not implemented'),
  flow_sleep: refuse('flow is not implemented'),
  rwmixcycle: noEffect('deprecated in fio, ignored by fio too'),
  percentage_random: refuse('percentage_random is not implemented'),
  percentage_sequential: refuse('percentage_random is not implemented'),
  bs_is_seq_rand: offOnly('bs_is_seq_rand is not implemented'),
  bs_unaligned: offOnly('bs_unaligned is not implemented'),
  blocksize_unaligned: offOnly('bs_unaligned is not implemented'),
  softrandommap: noEffect('the random map needs no memory in rawio, so it never falls back'),
  serialize_overlap: offOnly('serialize_overlap is not implemented'),
  iodepth_low: refuse('iodepth_low is not implemented (rawio refills the queue at once)'),
  continue_on_error: refuse(
    'continue_on_error is not implemented: a failed request ends the run',
    (v) => v === 'none' || isOff(v),
  ),
  ignore_error: refuse('ignore_error is not implemented'),
  exit_what: refuse('exit_what is not implemented', (v) => v === 'group'),
  profile: refuse('fio profiles are not implemented'),
  atomic: offOnly('atomic writes are not implemented'),
  rate_min: refuse('rate_min is not implemented'),
  ratemin: refuse('rate_min is not implemented'),
  rate_iops_min: refuse('rate_iops_min is not implemented'),
  zonemode: refuse('zoned modes are not implemented', (v) => v === 'none'),
  zonesize: refuse('zoned modes are not implemented'),
  zonerange: refuse('zoned modes are not implemented'),
  zoneskip: refuse('zoned modes are not implemented'),
  zonecapacity: refuse('zoned modes are not implemented'),
  max_open_zones: refuse('zoned modes are not implemented'),
  job_max_open_zones: refuse('zoned modes are not implemented'),
  ignore_zone_limits: refuse('zoned modes are not implemented'),
  zone_reset_threshold: refuse('zoned modes are not implemented'),
  zone_reset_frequency: refuse('zoned modes are not implemented'),
  read_beyond_wp: refuse('zoned modes are not implemented'),
  gpu_dev_id: refuse('GPU buffers are not implemented'),
  // io_uring engine options rawio does not have.
  sqthread_poll_cpu: noEffect('rawio does not pin the SQPOLL thread'),
  nonvectored: noEffect('rawio sends IORING_OP_READ/WRITE (non-vectored) always'),
  hipri_percentage: refuse(
    'hipri_percentage is not implemented: hipri is all or nothing',
    (v) => v === '100',
  ),
  uncached: offOnly('uncached (RWF_UNCACHED) is not implemented'),
  nowait: offOnly('nowait (RWF_NOWAIT) is not implemented'),
  force_async: offOnly('force_async (IOSQE_ASYNC) is not implemented'),
  cmdprio_percentage: refuse('command priorities are not implemented'),
  cmdprio_class: refuse('command priorities are not implemented'),
  cmdprio: refuse('command priorities are not implemented'),
  cmdprio_bssplit: refuse('command priorities are not implemented'),
  cmd_type: refuse('io_uring_cmd is not implemented'),
}

function divides4k(v: string | undefined): boolean {
  if (v === undefined) return false
  try {
    const n = parseFioSize(v, 'mem_align')
    return n === 0 || 4096 % n === 0
  } catch {
    return false
  }
}

/** `job.fio:12: [name]` */
export function where(at: SourceLine, job: string): string {
  return at.line > 0 ? `${at.file}:${at.line}: [${job}]` : `command line: [${job}]`
}

/**
 * Applies a catalogue rule: returns the warning to print (or null), or throws the refusal.
 * `undefined` when the name is not in the catalogue.
 */
export function applyCatalogRule(o: JobFileOption, job: string): string | null | undefined {
  const rule = fioCatalog[o.name]
  if (!rule) return undefined
  const text = o.value === undefined ? o.name : `${o.name}=${o.value}`
  if ('refuse' in rule) {
    if (rule.accept?.(o.value)) return null
    throw new UsageError(`${where(o, job)} ${text} refused: ${rule.refuse}`)
  }
  if (rule.quietWhen?.(o.value)) return null
  return `${where(o, job)} ${text}: accepted, no effect on the I/O (${rule.warn})`
}
