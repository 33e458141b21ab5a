// SPDX-License-Identifier: GPL-2.0-or-later
// choose_allreduce's rules (allreduce_plan.h), one by one, without MPI: every caller's all-reduce
// runs as this function says, so a rule that changes by accident shows here first.
#include "tflops/mpi/allreduce_plan.h"

#include <gtest/gtest.h>

#include <climits>
#include <stdexcept>

using namespace tflops::mpi;

namespace {

// Fixed sizes, independent of this machine's cache and of the environment.
Tuning fixed_tuning() {
  Tuning tuning;
  tuning.small_bytes = 256 * 1024;
  tuning.eager_bytes = 4000;
  tuning.chunk_bytes = 64 * 1024;
  tuning.window = 3;
  tuning.pipeline_bytes = 1000;
  tuning.streaming_bytes = 8 << 20;
  return tuning;
}

AllreduceRequest request(std::size_t bytes, int ranks, Memory memory = Memory::host) {
  AllreduceRequest r;
  r.bytes = bytes;
  r.ranks = ranks;
  r.memory = memory;
  return r;
}

AllreduceRequest on_one_node(AllreduceRequest r) {
  r.on_one_node = true;
  return r;
}

AllreduceRequest every_rank_on_nccl(AllreduceRequest r) {
  r.every_rank_cuda = true;
  r.nccl_on_every_rank = true;
  return r;
}

AllreduceRequest forced(AllreduceRequest r, Algorithm algorithm) {
  r.algorithm = algorithm;
  return r;
}

Algorithm chosen(const AllreduceRequest& r) { return choose_allreduce(r, fixed_tuning()).algorithm; }

}  // namespace

TEST(AllreducePlan, NothingCrossesRanksWithOneRankOrNoBytes) {
  for (Memory memory : {Memory::host, Memory::cuda, Memory::card}) {
    EXPECT_EQ(chosen(request(1 << 20, 1, memory)), Algorithm::none);
    EXPECT_EQ(chosen(request(0, 4, memory)), Algorithm::none);
  }
  EXPECT_EQ(chosen(forced(request(1 << 20, 1), Algorithm::ring)), Algorithm::none);
}

TEST(AllreducePlan, SharedMemoryWheneverEveryRankIsOnThisNode) {
  for (std::size_t bytes : {std::size_t{4}, std::size_t{1} << 20, std::size_t{1} << 33})
    EXPECT_EQ(chosen(on_one_node(request(bytes, 3))), Algorithm::shared_memory) << bytes;
}

TEST(AllreducePlan, AcrossNodesRecursiveDoublingUpToAThresholdFallingWithLgP) {
  // small_bytes / ceil(lg p)^2: 256 KiB with 2 ranks, 64 KiB with 3 or 4, 28 KiB with 5 to 8.
  EXPECT_EQ(chosen(request(256 * 1024, 2)), Algorithm::recursive_doubling);
  EXPECT_EQ(chosen(request(256 * 1024 + 1, 2)), Algorithm::ring);
  EXPECT_EQ(chosen(request(64 * 1024, 4)), Algorithm::recursive_doubling);
  EXPECT_EQ(chosen(request(64 * 1024 + 1, 4)), Algorithm::ring);
  EXPECT_EQ(chosen(request(64 * 1024, 3)), Algorithm::recursive_doubling);
  EXPECT_EQ(chosen(request(256 * 1024 / 9, 8)), Algorithm::recursive_doubling);
  EXPECT_EQ(chosen(request(256 * 1024 / 9 + 1, 8)), Algorithm::ring);
}

TEST(AllreducePlan, RecursiveDoublingNeverOverOneMessage) {
  Tuning huge = fixed_tuning();
  huge.small_bytes = std::size_t{1} << 40;  // would admit any size
  const std::size_t over = static_cast<std::size_t>(INT_MAX) + 1;
  EXPECT_EQ(choose_allreduce(request(over, 2), huge).algorithm, Algorithm::ring);
  EXPECT_EQ(choose_allreduce(request(over - 1, 2), huge).algorithm, Algorithm::recursive_doubling);
  EXPECT_THROW(choose_allreduce(forced(request(over, 2), Algorithm::recursive_doubling), huge),
               std::invalid_argument);
}

TEST(AllreducePlan, EachAlgorithmCarriesItsSizes) {
  const AllreducePlan ring = choose_allreduce(request(1 << 20, 2), fixed_tuning());
  EXPECT_EQ(ring.chunk_bytes, 64u * 1024);
  EXPECT_EQ(ring.window, 3);
  const AllreducePlan doubling = choose_allreduce(request(1000, 2), fixed_tuning());
  EXPECT_EQ(doubling.eager_bytes, 4000u);
  EXPECT_EQ(doubling.chunk_bytes, 0u);
}

TEST(AllreducePlan, StreamingOnlyForLargeOwnMemoryOnOneNode) {
  const std::size_t large = 8 << 20;
  EXPECT_TRUE(choose_allreduce(on_one_node(request(large, 2)), fixed_tuning()).streaming);
  EXPECT_FALSE(choose_allreduce(on_one_node(request(large - 1, 2)), fixed_tuning()).streaming);
  AllreduceRequest in_place = on_one_node(request(large, 2));
  in_place.in_node_buffer = true;  // the peers read it where it lies: nothing is staged
  EXPECT_FALSE(choose_allreduce(in_place, fixed_tuning()).streaming);
  EXPECT_FALSE(choose_allreduce(request(large, 2), fixed_tuning()).streaming);  // the ring
}

TEST(AllreducePlan, ForcedAlgorithmsReplaceTheAutomaticOne) {
  EXPECT_EQ(chosen(forced(on_one_node(request(100, 2)), Algorithm::ring)), Algorithm::ring);
  EXPECT_EQ(chosen(forced(request(1 << 24, 4), Algorithm::recursive_doubling)),
            Algorithm::recursive_doubling);
  EXPECT_EQ(chosen(forced(on_one_node(request(100, 2)), Algorithm::shared_memory)), Algorithm::shared_memory);
}

TEST(AllreducePlan, ForcedChoicesThatCannotRunAreRefused) {
  EXPECT_THROW(chosen(forced(request(100, 2), Algorithm::shared_memory)), std::invalid_argument);
  EXPECT_THROW(chosen(forced(request(100, 2), Algorithm::nccl)), std::invalid_argument);  // host memory
  EXPECT_THROW(chosen(forced(request(100, 2, Memory::card), Algorithm::nccl)), std::invalid_argument);
  AllreduceRequest cuda_without_nccl = request(100, 2, Memory::cuda);
  cuda_without_nccl.every_rank_cuda = true;
  EXPECT_THROW(chosen(forced(cuda_without_nccl, Algorithm::nccl)), std::invalid_argument);
}

TEST(AllreducePlan, NcclForCudaDataWhenEveryRankIsOnCudaWithNccl) {
  const AllreducePlan plan = choose_allreduce(every_rank_on_nccl(request(1 << 20, 2, Memory::cuda)),
                                              fixed_tuning());
  EXPECT_EQ(plan.algorithm, Algorithm::nccl);
  EXPECT_FALSE(plan.staged_through_host);
  // Even on one node: NCCL uses the GPUs' own links instead of a trip through host memory.
  EXPECT_EQ(chosen(on_one_node(every_rank_on_nccl(request(1 << 20, 2, Memory::cuda)))), Algorithm::nccl);
  // One rank: nothing to send, even where NCCL could run; forced, it runs.
  EXPECT_EQ(chosen(every_rank_on_nccl(request(1 << 20, 1, Memory::cuda))), Algorithm::none);
  EXPECT_EQ(chosen(forced(every_rank_on_nccl(request(8, 2, Memory::cuda)), Algorithm::nccl)),
            Algorithm::nccl);
}

TEST(AllreducePlan, CudaDataIsStagedThroughHostWhenSomeRankCannotRunNccl) {
  AllreduceRequest some_rank_on_host = request(1 << 20, 2, Memory::cuda);
  some_rank_on_host.nccl_on_every_rank = true;  // every_rank_cuda false: a rank's share is a CPU
  AllreduceRequest nccl_missing = request(1 << 20, 2, Memory::cuda);
  nccl_missing.every_rank_cuda = true;  // nccl_on_every_rank false: built without it, or no GPU seen
  for (const AllreduceRequest& r : {some_rank_on_host, nccl_missing}) {
    const AllreducePlan across = choose_allreduce(r, fixed_tuning());
    EXPECT_TRUE(across.staged_through_host);
    EXPECT_EQ(across.algorithm, Algorithm::ring);  // 1 MiB across nodes, like host memory
    const AllreducePlan one_node = choose_allreduce(on_one_node(r), fixed_tuning());
    EXPECT_TRUE(one_node.staged_through_host);
    EXPECT_EQ(one_node.algorithm, Algorithm::shared_memory);
  }
  // Staged into the node buffer, which the peers read in place: no streaming copy.
  EXPECT_FALSE(choose_allreduce(on_one_node(request(64 << 20, 2, Memory::cuda)), fixed_tuning()).streaming);
}

TEST(AllreducePlan, CardGradientsAreStagedAndPipelinedWhenWantedAndOverOnePiece) {
  AllreduceRequest r = on_one_node(request(4000, 3, Memory::card));
  AllreducePlan plan = choose_allreduce(r, fixed_tuning());
  EXPECT_TRUE(plan.staged_through_host);
  EXPECT_EQ(plan.algorithm, Algorithm::shared_memory);
  EXPECT_EQ(plan.pipeline_bytes, 0u);  // no rank wants it
  r.pipeline_wanted = true;
  EXPECT_EQ(choose_allreduce(r, fixed_tuning()).pipeline_bytes, 1000u);
  r.bytes = 1000;  // one piece: nothing to overlap
  EXPECT_EQ(choose_allreduce(r, fixed_tuning()).pipeline_bytes, 0u);
  // One rank still sums its slices and may overlap the copies off and onto the card.
  AllreduceRequest alone = request(4000, 1, Memory::card);
  alone.pipeline_wanted = true;
  plan = choose_allreduce(alone, fixed_tuning());
  EXPECT_EQ(plan.algorithm, Algorithm::none);
  EXPECT_TRUE(plan.staged_through_host);
  EXPECT_EQ(plan.pipeline_bytes, 1000u);
}

TEST(AllreducePlan, PipelineWishFollowsTuningThenTheCardsDevices) {
  EXPECT_TRUE(wants_pipeline(Tuning::Pipeline::always, false));
  EXPECT_FALSE(wants_pipeline(Tuning::Pipeline::never, true));
  EXPECT_TRUE(wants_pipeline(Tuning::Pipeline::automatic, true));
  EXPECT_FALSE(wants_pipeline(Tuning::Pipeline::automatic, false));
}

TEST(AllreducePlan, AlgorithmsHaveNamesThatParseBack) {
  EXPECT_EQ(algorithm_name(Algorithm::nccl), "nccl");
  EXPECT_EQ(algorithm_name(Algorithm::shared_memory), "shared-memory");
  for (Algorithm algorithm : {Algorithm::automatic, Algorithm::ring, Algorithm::recursive_doubling,
                              Algorithm::shared_memory, Algorithm::nccl, Algorithm::none})
    EXPECT_EQ(parse_algorithm(algorithm_name(algorithm)), algorithm);
  EXPECT_FALSE(parse_algorithm("tree"));
}
