// CRC-32C (Castagnoli) without the initial and final inversion (the stamp codec applies them):
// the SSE4.2 crc32 instruction on x86-64, a table elsewhere (and in -DRAWIO_NO_SSE42 builds).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rawio {

uint32_t Crc32cRaw(uint32_t crc, const void* data, size_t len);

// Four independent CRCs over four buffers of one length, the chains side by side: the crc32
// instruction's latency is three times its throughput, so one chain leaves it idle two cycles in
// three. crc[k] continues over p[k][0..len).
void Crc32cRaw4(uint32_t crc[4], const char* const p[4], size_t len);

}  // namespace rawio
