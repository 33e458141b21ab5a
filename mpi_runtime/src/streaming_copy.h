// SPDX-License-Identifier: GPL-2.0-or-later
// Copies that go to memory instead of this core's cache (non-temporal stores), for data another
// core reads next: the reader then fetches it from memory rather than from this core's cache.
// On hosts whose cores do not share a last-level cache (a VM's vCPUs on different chiplets),
// fetching lines another core just wrote ran at half the speed of reading memory. Where they do
// share it, plain copies are faster as long as the data fits there (tuning: Tuning::streaming_bytes).
#pragma once

#include <cstddef>

namespace tflops::mpi::detail {

void streaming_copy(std::byte* to, const std::byte* from, std::size_t bytes);

// streaming_copy when `streaming`, else a plain memcpy.
using CopyFn = void (*)(std::byte* to, const std::byte* from, std::size_t bytes);
CopyFn staging_copy(bool streaming);

// Orders the streaming stores before what follows (they are weakly ordered: a release store does
// not order them); call before publishing the copied data to another core.
void streaming_fence();

}  // namespace tflops::mpi::detail
