#pragma once
/// CRC-32 (the zip / zlib polynomial), fast: carry-less multiplication folding where the CPU has it.
#include <cstddef>
#include <cstdint>

namespace cosmicai::data {

/// Continue a CRC-32 over `length` bytes, with zlib's `crc32()` semantics: start
/// from `crc = 0`, feed chunks in order, pass the previous result back in.
/// Uses PCLMULQDQ folding (several times zlib's speed) when the CPU supports it,
/// zlib otherwise. Thread-safe.
std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t length);

/// Return whether crc32_update uses the carry-less-multiply path on this CPU.
bool crc32_is_accelerated();

}  // namespace cosmicai::data
