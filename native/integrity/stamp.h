// The integrity stamp (docs/integrity.md, "stamp format (version 1)"), natively: encode and
// classify one block, byte-identical to lib/integrity/stamp-format.ts, so the bench loop can
// stamp every write and verify every read without JavaScript.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rawio {

constexpr uint32_t kStampHeaderSize = 48;
constexpr uint32_t kStampMinBlock = 64;
constexpr uint32_t kStampMaxBlock = 64u << 20;

// lib/integrity's BlockKind names, in the same order.
enum class StampKind : uint8_t { kOk, kMisdirected, kStale, kTorn, kZeroed, kForeign };
constexpr int kStampKindCount = 6;
const char* StampKindName(StampKind k);

struct StampId {
  uint64_t offset = 0;  // the block's byte offset on the device
  uint64_t seed = 0;
  uint32_t gen = 0;
};

// CRC-32C (Castagnoli) of data, continuing from crc (0 to start).
uint32_t Crc32c(uint32_t crc, const void* data, size_t len);

// True when bs can hold a stamp: a multiple of 4 from 64 bytes to 64 MiB.
bool StampBlockSizeValid(uint32_t bs);

// Writes the stamp of the block at id.offset into block[0..bs).
void EncodeStamp(char* block, uint32_t bs, const StampId& id, uint64_t timestamp_ns);

// What block[0..bs) holds against the stamp expected there, in classifyBlock's order.
StampKind ClassifyStamp(const char* block, uint32_t bs, const StampId& expected);

// The same for the n blocks of data[0..n*bs), block i being the block at first.offset + i*bs (the
// same seed and generation): what EncodeStamp and ClassifyStamp give block by block, byte for byte
// and verdict for verdict, four blocks at a time (SIMD lanes, side-by-side CRC chains) where it
// can. ClassifyStamps expects generation gens[i] for block i when gens is given, else first.gen.
void EncodeStamps(char* data, size_t n, uint32_t bs, const StampId& first, uint64_t timestamp_ns);
void ClassifyStamps(const char* data, size_t n, uint32_t bs, const StampId& first,
                    const uint32_t* gens, uint8_t* kinds);

}  // namespace rawio
