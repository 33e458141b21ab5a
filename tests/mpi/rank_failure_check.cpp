// SPDX-License-Identifier: GPL-2.0-or-later
// Runs under mpirun: every rank all-reduces in a loop; at iteration 3 the victim rank either
// exits (_exit(3), as a crash would) or hangs (sleeps forever). The others must notice, print
// which rank failed and end the job; the test script checks the exit status, the time and the
// message. The buffer is ordinary memory, all-reduced by the ring (as across nodes; on one node
// the automatic choice would take shared memory), or the communicator's node buffer (shared
// memory).   rank_failure_check exit|hang VICTIM [private|node]
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tflops/mpi/allreduce.h"

using namespace tflops::mpi;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: rank_failure_check exit|hang VICTIM [private|node]\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int victim = std::stoi(argv[2]);
  const bool node_buffer = argc == 4 && std::string(argv[3]) == "node";
  Communicator comm(MPI_COMM_WORLD);
  constexpr std::size_t kCount = 1 << 20;
  std::vector<float> private_memory(node_buffer ? 0 : kCount);
  float* gradient = node_buffer ? reinterpret_cast<float*>(comm.node_buffer(kCount * sizeof(float)))
                                : private_memory.data();
  std::fill_n(gradient, kCount, 1.0f);
  try {
    for (int iteration = 0; iteration < 1000; ++iteration) {
      if (iteration == 3 && comm.rank() == victim) {
        std::fprintf(stderr, "the victim fails on purpose now (%s)\n", mode.c_str());
        if (mode == "exit") _exit(3);
        for (;;) pause();
      }
      allreduce_sum(comm, gradient, kCount, DType::f32, node_buffer ? Algorithm::automatic : Algorithm::ring);
    }
  } catch (const RankFailure& failure) {
    comm.abort_job(failure.what(), 4);
  }
  std::fprintf(stderr, "rank %d: the failure went unnoticed\n", comm.rank());
  MPI_Finalize();
  return 1;
}
