// Splits a range into whole-block chunks and runs them with a bounded number in flight.

export interface Chunk {
  /** Byte offset on the device. */
  offset: number
  length: number
  /** Index of the chunk, in offset order. */
  index: number
}

/** [offset, offset+length) in chunks of at most `chunkBytes`, each a whole number of `bs` blocks. */
export function chunksOf(offset: number, length: number, bs: number, chunkBytes: number): Chunk[] {
  const per = Math.max(bs, chunkBytes - (chunkBytes % bs))
  const chunks: Chunk[] = []
  for (let pos = 0, index = 0; pos < length; pos += per, index++) {
    chunks.push({ offset: offset + pos, length: Math.min(per, length - pos), index })
  }
  return chunks
}

/**
 * Runs `work` on every chunk with at most `depth` in flight. Each worker slot owns one `slot` value
 * (a buffer) that it reuses. The first failure stops new work and is rethrown once the rest settle.
 */
export async function runQueued<S>(
  chunks: Chunk[],
  depth: number,
  makeSlot: () => S,
  work: (chunk: Chunk, slot: S) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    const slot = makeSlot()
    while (!failure && next < chunks.length) {
      const chunk = chunks[next++]
      try {
        await work(chunk, slot)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  const n = Math.max(1, Math.min(depth, chunks.length))
  await Promise.all(Array.from({ length: n }, worker))
  if (failure) throw failure.error
}
