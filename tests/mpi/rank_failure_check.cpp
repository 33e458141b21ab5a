// Runs under mpirun: every rank all-reduces in a loop; at iteration 3 the victim rank either
// exits (_exit(3), as a crash would) or hangs (sleeps forever). The others must notice, print
// which rank failed and end the job; the test script checks the exit status, the time and the
// message. rank_failure_check exit|hang VICTIM
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tflops/mpi/allreduce.h"

using namespace tflops::mpi;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: rank_failure_check exit|hang VICTIM\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int victim = std::stoi(argv[2]);
  Communicator comm(MPI_COMM_WORLD);
  std::vector<float> gradient(1 << 20, 1.0f);
  try {
    for (int iteration = 0; iteration < 1000; ++iteration) {
      if (iteration == 3 && comm.rank() == victim) {
        std::fprintf(stderr, "the victim fails on purpose now (%s)\n", mode.c_str());
        if (mode == "exit") _exit(3);
        for (;;) pause();
      }
      allreduce_sum(comm, gradient.data(), gradient.size(), DType::f32);
    }
  } catch (const RankFailure& failure) {
    comm.abort_job(failure.what(), 4);
  }
  std::fprintf(stderr, "rank %d: the failure went unnoticed\n", comm.rank());
  MPI_Finalize();
  return 1;
}
