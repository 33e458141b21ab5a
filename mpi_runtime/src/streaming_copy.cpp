// SPDX-License-Identifier: GPL-2.0-or-later
#include "streaming_copy.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tflops::mpi::detail {

#if defined(__SSE2__)

void streaming_copy(std::byte* to, const std::byte* from, std::size_t bytes) {
  // Streaming stores need 16-byte aligned targets: plain copies for the unaligned head and the tail.
  const std::size_t head = std::min(bytes, (16 - reinterpret_cast<std::uintptr_t>(to) % 16) % 16);
  std::memcpy(to, from, head);
  to += head;
  from += head;
  bytes -= head;
  const std::size_t vectors = bytes / 16;
  for (std::size_t i = 0; i < vectors; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from) + i);
    _mm_stream_si128(reinterpret_cast<__m128i*>(to) + i, v);
  }
  std::memcpy(to + vectors * 16, from + vectors * 16, bytes - vectors * 16);
}

void streaming_fence() { _mm_sfence(); }

#else  // no streaming stores: plain copies, ordered by the release stores that publish them

void streaming_copy(std::byte* to, const std::byte* from, std::size_t bytes) { std::memcpy(to, from, bytes); }

void streaming_fence() {}

#endif

CopyFn staging_copy(bool streaming) {
  if (streaming) return streaming_copy;
  return [](std::byte* to, const std::byte* from, std::size_t bytes) { std::memcpy(to, from, bytes); };
}

}  // namespace tflops::mpi::detail
