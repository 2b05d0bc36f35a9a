#include "data/crc32.hpp"

#include <zlib.h>

#if defined(__x86_64__) || defined(__i386__)
// GCC 12's AVX-512 intrinsics use deliberately undefined vectors (_mm512_undefined_*),
// which -Wuninitialized reports inside the headers; and passing __m512i between
// target-attributed functions triggers the -Wpsabi note. Both are harmless here.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wpsabi"
#include <immintrin.h>
#define COSMICAI_CRC_X86 1
#endif

namespace cosmicai::data {

namespace {

std::uint32_t crc32_zlib(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  // zlib takes uInt lengths; feed large buffers in pieces.
  while (n > 0) {
    const auto piece = static_cast<uInt>(n > (1u << 30) ? (1u << 30) : n);
    crc = static_cast<std::uint32_t>(::crc32(crc, p, piece));
    p += piece;
    n -= piece;
  }
  return crc;
}

#ifdef COSMICAI_CRC_X86
// Fold 4×128 bits at a time with carry-less multiplication, then reduce (Intel's
// "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", bit-reflected
// constants for the zip polynomial 0xEDB88320). `len` >= 64 and a multiple of 16;
// `crc` is the pre-inverted running value.
// Constants: k(n) = reflect32(x^n mod P) << 1; folding a lane forward by d bits
// multiplies its low half by k(d+32) and its high half by k(d-32).
alignas(16) const std::uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};  // d = 512
alignas(16) const std::uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};  // d = 128
alignas(16) const std::uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};
alignas(16) const std::uint64_t poly[] = {0x01db710641, 0x01f7011641};
constexpr std::uint64_t kK2048Lo = 0x011542778a, kK2048Hi = 0x01322d1430;  // d = 2048

/// Fold four 128-bit lanes (x1 earliest) over the remaining `len` bytes (a multiple of 16) and reduce.
__attribute__((target("pclmul,sse4.1"))) std::uint32_t crc32_fold_lanes(__m128i x1, __m128i x2, __m128i x3, __m128i x4,
                                                                        const unsigned char* buf, std::size_t len) {
  __m128i x0, x5, x6, x7, x8, y5, y6, y7, y8;
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));

  while (len >= 64) {
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
    x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
    x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
    x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
    x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
    y5 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x00));
    y6 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x10));
    y7 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x20));
    y8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x30));
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), y5);
    x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), y6);
    x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), y7);
    x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), y8);
    buf += 64;
    len -= 64;
  }

  // Fold the four lanes into one.
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
  x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
  x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
  x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
  x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
  x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
  x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);

  while (len >= 16) {
    x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf));
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
    buf += 16;
    len -= 16;
  }

  // 128 -> 64 bits.
  x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
  x3 = _mm_setr_epi32(~0, 0, ~0, 0);
  x1 = _mm_srli_si128(x1, 8);
  x1 = _mm_xor_si128(x1, x2);
  x0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_and_si128(x1, x3);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);

  // Barrett reduction to 32 bits.
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
  x2 = _mm_and_si128(x1, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
  x2 = _mm_and_si128(x2, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return static_cast<std::uint32_t>(_mm_extract_epi32(x1, 1));
}

/// 4×128-bit folding. `len` >= 64 and a multiple of 16; `crc` is pre-inverted.
__attribute__((target("pclmul,sse4.1"))) std::uint32_t crc32_fold(const unsigned char* buf, std::size_t len,
                                                                  std::uint32_t crc) {
  __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x00));
  const __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x10));
  const __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x20));
  const __m128i x4 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x30));
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128(static_cast<int>(crc)));
  return crc32_fold_lanes(x1, x2, x3, x4, buf + 64, len - 64);
}

#define COSMICAI_AVX512_CLMUL __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.1")))

/// Fold each 128-bit lane of `a` forward by the distance `k` encodes and add `b`: a.lo·k.lo ^ a.hi·k.hi ^ b.
COSMICAI_AVX512_CLMUL inline __m512i fold(__m512i a, __m512i k, __m512i b) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, k, 0x00), _mm512_clmulepi64_epi128(a, k, 0x11), b, 0x96);
}

/// The same with VPCLMULQDQ: four 512-bit accumulators (256 bytes per step), folded
/// into one and handed to the 128-bit code. `len` >= 256 and a multiple of 16.
COSMICAI_AVX512_CLMUL std::uint32_t crc32_fold_avx512(const unsigned char* buf, std::size_t len, std::uint32_t crc) {
  const __m512i k2048 =
      _mm512_broadcast_i32x4(_mm_set_epi64x(static_cast<long long>(kK2048Hi), static_cast<long long>(kK2048Lo)));
  const __m512i k512 = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(k1k2)));
  __m512i a0 = _mm512_loadu_si512(buf), a1 = _mm512_loadu_si512(buf + 64), a2 = _mm512_loadu_si512(buf + 128),
          a3 = _mm512_loadu_si512(buf + 192);
  a0 = _mm512_xor_si512(a0, _mm512_zextsi128_si512(_mm_cvtsi32_si128(static_cast<int>(crc))));
  buf += 256;
  len -= 256;
  while (len >= 256) {
    a0 = fold(a0, k2048, _mm512_loadu_si512(buf));
    a1 = fold(a1, k2048, _mm512_loadu_si512(buf + 64));
    a2 = fold(a2, k2048, _mm512_loadu_si512(buf + 128));
    a3 = fold(a3, k2048, _mm512_loadu_si512(buf + 192));
    buf += 256;
    len -= 256;
  }
  a1 = fold(a0, k512, a1);
  a2 = fold(a1, k512, a2);
  a3 = fold(a2, k512, a3);
  return crc32_fold_lanes(_mm512_extracti32x4_epi32(a3, 0), _mm512_extracti32x4_epi32(a3, 1),
                          _mm512_extracti32x4_epi32(a3, 2), _mm512_extracti32x4_epi32(a3, 3), buf, len);
}

bool detect_pclmul() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

bool detect_avx512_clmul() {
  __builtin_cpu_init();
  return detect_pclmul() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("vpclmulqdq");
}
#endif

}  // namespace

bool crc32_is_accelerated() {
#ifdef COSMICAI_CRC_X86
  static const bool has = detect_pclmul();
  return has;
#else
  return false;
#endif
}

std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t length) {
  const auto* p = static_cast<const unsigned char*>(data);
#ifdef COSMICAI_CRC_X86
  static const bool wide = detect_avx512_clmul();
  if (length >= 64 && crc32_is_accelerated()) {
    const std::size_t bulk = length & ~static_cast<std::size_t>(15);
    crc = ~(wide && bulk >= 512 ? crc32_fold_avx512(p, bulk, ~crc) : crc32_fold(p, bulk, ~crc));
    p += bulk;
    length -= bulk;
  }
#endif
  return length ? crc32_zlib(crc, p, length) : crc;
}

}  // namespace cosmicai::data
