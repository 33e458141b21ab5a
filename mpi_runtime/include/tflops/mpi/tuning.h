// SPDX-License-Identifier: GPL-2.0-or-later
// The all-reduce's tunable sizes: the thresholds choose_allreduce (allreduce_plan.h) applies and
// the piece sizes the algorithms cut the data into. Plain values, safe to copy between threads.
#pragma once

#include <cstddef>

namespace tflops::mpi {

// A quarter of the last-level cache cpu0 shares (sysfs), 8 MiB when unknown: Tuning::streaming_bytes.
std::size_t default_streaming_bytes();

struct Tuning {
  // Across nodes, messages up to this many bytes take recursive doubling with 2 ranks; with p
  // ranks, up to small_bytes / ceil(lg p)^2. bench/mpi/run_mpi_bench.sh measures the crossover
  // (its "ring first beats recursive doubling" line, both forced on one node): about 256 KiB
  // with 2 ranks and 64-128 KiB with 4 on an idle 2-core machine, noisy.
  std::size_t small_bytes = 256 * 1024;
  // Recursive doubling sends messages up to 8 times this in pieces of this size, which the
  // transport sends eagerly: Open MPI's shared-memory eager limit is 4 KiB, header included.
  std::size_t eager_bytes = 4000;
  std::size_t chunk_bytes = 256 * 1024;  // ring chunk
  int window = 4;                        // ring chunk lanes in flight
  // GradientReducer's pipeline (card_allreduce.h): copies of one piece off and onto the card
  // overlap the all-reduce of another. `automatic` pipelines when a slice of some rank's card
  // is a device with memory of its own (not a CPU device): its copies cross a bus while the
  // cores sum. On CPU devices a copy is a memcpy competing with the sum for the same cores and
  // memory (bench/mpi/gradient_bench: no gain on a 2-core host + PoCL card).
  enum class Pipeline : unsigned char { automatic, always, never };
  Pipeline pipeline = Pipeline::automatic;
  std::size_t pipeline_bytes = 256 * 1024;
  // A caller's own memory on one node is staged through shared memory for the peers. From this
  // many bytes on, with streaming (non-temporal) stores: the peers then read the staged data
  // from memory instead of from the writer's cache. Which is faster depends on whether the
  // ranks' cores share a cache (on a 2-vCPU VM that changed every few seconds): streaming ran
  // 1.4-1.8x faster at 16-64 MiB with 2 ranks while they did not, and plain copies up to 2x
  // faster at 256 KiB-4 MiB while they did; at these sizes the data does not stay in cache
  // anyway. Default: a quarter of the last-level cache (8 MiB when its size is not known).
  std::size_t streaming_bytes = default_streaming_bytes();
};

// The defaults, overridden by $TFLOPS_ALLREDUCE_SMALL_BYTES, $TFLOPS_ALLREDUCE_EAGER_BYTES,
// $TFLOPS_ALLREDUCE_CHUNK_BYTES, $TFLOPS_ALLREDUCE_WINDOW, $TFLOPS_ALLREDUCE_PIPELINE
// (auto, always or never), $TFLOPS_ALLREDUCE_PIPELINE_BYTES and $TFLOPS_ALLREDUCE_STREAMING_BYTES.
// Throws std::invalid_argument naming a variable with a bad value.
Tuning tuning_from_environment();

}  // namespace tflops::mpi
