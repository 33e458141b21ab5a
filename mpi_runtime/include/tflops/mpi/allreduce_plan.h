// SPDX-License-Identifier: GPL-2.0-or-later
// The one place that chooses how an all-reduce runs: choose_allreduce turns what a caller knows
// about its data (an AllreduceRequest) into an AllreducePlan that the executors follow:
// allreduce_sum (allreduce.h) for host buffers, GradientReducer (card_allreduce.h) for the
// gradients on a virtual card, and the Python module's communicator for PyTorch's buckets, host
// or CUDA. A pure function of its arguments: no MPI, no devices, safe from any thread; its rules
// are tested one by one in tests/mpi/allreduce_plan_test.cpp.
//
// The rules, for p ranks and n bytes (why each holds: doc/collectives.md):
//  1. Nothing crosses ranks (p < 2 or n = 0): Algorithm::none.
//  2. Where the data lies:
//     * CUDA device memory: NCCL when every rank's data is on a CUDA device and NCCL is usable
//       (built and a GPU seen) on every rank; otherwise the data is staged through host memory
//       (copied into the communicator's node buffer, summed there by rule 3, copied back).
//     * a virtual card's gradients (one addend per slice, on any backend): always staged through
//       host memory, where the slices' addends are summed into the node buffer. Pipelined in
//       pieces of Tuning::pipeline_bytes when the ranks agree some rank wants it
//       (wants_pipeline) and the data is more than one piece; each piece is then planned on its
//       own, as host memory in the node buffer.
//     * host memory: rule 3.
//  3. The host algorithm: shared memory when every rank runs on this node; otherwise recursive
//     doubling up to Tuning::small_bytes / ceil(lg p)^2 bytes (and never over 2 GiB, which one
//     MPI message cannot carry), the ring above. Shared memory stages a caller's own memory (not
//     the node buffer) with streaming stores from Tuning::streaming_bytes on.
// A forced algorithm (AllreduceRequest::algorithm) replaces the automatic one; a forced choice
// that cannot run throws std::invalid_argument saying why and what to use instead: NCCL for
// data not in CUDA memory or where not every rank can run it, shared memory across nodes,
// recursive doubling over 2 GiB.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "tflops/mpi/tuning.h"

namespace tflops::mpi {

enum class Algorithm : unsigned char { automatic, ring, recursive_doubling, shared_memory, nccl, none };

std::string_view algorithm_name(Algorithm algorithm);             // "ring", "recursive-doubling", ...
std::optional<Algorithm> parse_algorithm(std::string_view name);  // the names above

// Where an all-reduce's data lies.
enum class Memory : unsigned char {
  host,  // this process's memory (or the communicator's node buffer)
  cuda,  // one CUDA device's memory
  card,  // a virtual card's gradients: an addend on each slice, each slice on its own device
};

struct AllreduceRequest {
  std::size_t bytes = 0;  // the whole buffer, on every rank the same
  int ranks = 1;
  Memory memory = Memory::host;
  bool on_one_node = false;     // every rank runs on this node (Communicator::node_window)
  bool in_node_buffer = false;  // host data that lies in the communicator's node buffer
  // The three below must be the same on every rank: the ranks agree on them first.
  bool every_rank_cuda = false;                // every rank's data is Memory::cuda
  bool nccl_on_every_rank = false;             // nccl_usable() (nccl_allreduce.h) on every rank
  bool pipeline_wanted = false;                // Memory::card: wants_pipeline holds on some rank
  Algorithm algorithm = Algorithm::automatic;  // a caller's forced choice
};

struct AllreducePlan {
  Algorithm algorithm = Algorithm::none;  // never automatic
  // Memory::cuda and Memory::card: copied into host memory, summed there, copied back.
  bool staged_through_host = false;
  // Memory::card: the stages run at once on pieces of this many bytes; 0: one after the other
  // on the whole buffer.
  std::size_t pipeline_bytes = 0;
  bool streaming = false;       // shared memory: stage a caller's own memory with streaming stores
  std::size_t chunk_bytes = 0;  // ring: bytes per chunk
  int window = 0;               // ring: chunk lanes in flight
  std::size_t eager_bytes = 0;  // recursive doubling: bytes per eager piece
};

AllreducePlan choose_allreduce(const AllreduceRequest& request, const Tuning& tuning);

// This rank's wish for the virtual card's pipeline: Tuning::pipeline, and for `automatic`
// whether a slice of this rank's card is a device with memory of its own (not a CPU device).
bool wants_pipeline(Tuning::Pipeline pipeline, bool card_has_device_memory);

}  // namespace tflops::mpi
