// SPDX-License-Identifier: GPL-2.0-or-later
// Sum all-reduce of a host buffer across the ranks of a Communicator, in place.
//
// Three host algorithms (which one runs: choose_allreduce in allreduce_plan.h; p ranks, n bytes):
//  * ring: reduce-scatter then all-gather, 2(p-1) steps, each rank sends 2(p-1)/p * n bytes.
//    Each of the p segments is cut into chunks; chunk lanes run the 2(p-1) steps independently,
//    `window` lanes at a time, so one chunk's reduction overlaps the next chunk's transfer.
//    Results are bitwise identical on every rank (each segment is summed once, then copied).
//  * recursive doubling: lg p exchanges of the whole buffer (non-powers of two fold the extra
//    ranks in first and out last): fewer latencies, more bytes; wins for small messages.
//  * shared memory: for ranks on one node (Communicator::node_buffer), no messages: ranks meet
//    at counters in shared memory and read each other's copies. Up to 10184 bytes the data
//    travels beside the counter that publishes it and each rank sums all p copies (no barrier);
//    above, each sums its segment from the peers' copies and copies the other segments from
//    their owners (three barriers). Data inside the node buffer is read in place (every rank
//    must pass the same place of its node buffer, checked); a caller's own memory is first
//    copied into shared staging, 1 MiB at a time.
// Any count works, 0 and fewer elements than ranks included.
#pragma once

#include <cstddef>

#include "tflops/mpi/allreduce_plan.h"
#include "tflops/mpi/communicator.h"
#include "tflops/mpi/dtype.h"
#include "tflops/mpi/tuning.h"

namespace tflops::mpi {

// What choose_allreduce needs to know of host data at `data`: the ranks, whether they share this
// node and whether the data lies in the node buffer. Collective the first time on `comm` that
// `algorithm` is automatic or shared memory (every rank makes this call): learns whether the ranks
// share a node.
AllreduceRequest host_request(Communicator& comm, const void* data, std::size_t bytes,
                              Algorithm algorithm = Algorithm::automatic);

// Sums `count` elements of `type` at `data` over all ranks; every rank ends with the sum.
// `algorithm` forces one (choose_allreduce says which it refuses and why, std::invalid_argument).
// Throws RankFailure (see communicator.h) when a peer fails.
void allreduce_sum(Communicator& comm, void* data, std::size_t count, DType type,
                   Algorithm algorithm = Algorithm::automatic, const Tuning& tuning = Tuning{});

// The same along a plan choose_allreduce made for host data (a host algorithm or none), which
// every rank must have made alike.
void allreduce_sum(Communicator& comm, void* data, std::size_t count, DType type, const AllreducePlan& plan);

}  // namespace tflops::mpi
