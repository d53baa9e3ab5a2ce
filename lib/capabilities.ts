// What this installation of rawio can do: which addon file is loaded (a prebuild or a local build),
// the engines the kernel allows, the io_uring features the build has (scripts/probe-liburing.js
// decided them at build time) and whether libblkid's signature check is active. Plain data;
// `rawio -V` formats it (lib/cli/version.ts).
import { type AddonOrigin, addonOrigin, type Binding, binding, type EngineReport } from './native'

/** One liburing capability the build may have (a RAWIO_URING_* macro). */
export interface UringFeature {
  name:
    | 'SINGLE_ISSUER'
    | 'DEFER_TASKRUN'
    | 'COOP_TASKRUN'
    | 'URING_CMD'
    | 'submit_and_get_events'
    | 'register_buffers_update'
  built: boolean
  /** Why not, e.g. "built with liburing 2.1: no DEFER_TASKRUN". */
  reason?: string
}

export interface BuildReport {
  uring: {
    /** The io_uring engine is compiled in. */
    built: boolean
    /** liburing's version at build time ("2.3"), or null when unknown. */
    liburing: string | null
    /** Why the engine is not built. */
    reason?: string
    features: UringFeature[]
  }
  compiler?: string
  /** The glibc the addon was compiled against, and the one running it. */
  glibc?: string
  glibcRuntime?: string
  /** libstdc++ linked statically (prebuilds). */
  staticCxx: boolean
}

export interface BlkidReport {
  /** libblkid.so.1 was loaded: the signature check is active. */
  available: boolean
  /** The name given to dlopen. */
  library?: string
  version?: string
  /** Why not, with how to install it. */
  reason?: string
}

export type Capabilities =
  | {
      loaded: true
      addon: AddonOrigin
      engines: EngineReport
      build: BuildReport | null
      blkid: BlkidReport | null
    }
  | { loaded: false; error: string }

/** Loads the addon if it is not loaded yet and reports what it can do; never throws. */
export function capabilities(): Capabilities {
  // An older addon may lack build and safety: both are looked at as optional.
  let b: Partial<Binding> & Pick<Binding, 'engines'>
  try {
    b = binding()
  } catch (e) {
    return { loaded: false, error: e instanceof Error ? e.message : String(e) }
  }
  return {
    loaded: true,
    addon: addonOrigin() ?? { kind: 'local build', path: 'unknown' },
    engines: b.engines(),
    build: b.build ?? null,
    blkid: b.safety?.blkid ?? null,
  }
}
