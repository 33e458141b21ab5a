// SPDX-License-Identifier: GPL-2.0-or-later
// The allocation contract, read against gres/tflops' own writer (job_env in card_map.h): what
// the plugin writes, the HAL reads. The worked example's 50-block job on node0 is the main case.
#include <gtest/gtest.h>

#include "card_map.h"
#include "tflops/hal/allocation.h"
#include "tflops/hal/error.h"

namespace tflops::hal {
namespace {

// The worked example's node0: 2 GPUs of 9 blocks, an NPU of 20, an FPGA of 25.
gres::CardMap spec_node0() {
  gres::CardMap map;
  map.node = "node0";
  map.pool_first = 1;
  map.blocks = 63;
  map.cards = {{"gpu", "gpu0", "/dev/nvidia0", 0, 9},
               {"gpu", "gpu1", "/dev/nvidia1", 9, 9},
               {"npu", "npu0", "/dev/davinci0", 18, 20},
               {"fpga", "fpga0", "/dev/xclmgmt0", 38, 25}};
  return map;
}

EnvMap env_for(const std::vector<std::uint32_t>& blocks) {
  EnvMap env;
  for (auto& [name, value] : gres::job_env(spec_node0(), blocks)) env[name] = value;
  return env;
}

std::vector<std::uint32_t> range(std::uint32_t first, std::uint32_t last) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t b = first; b <= last; ++b) out.push_back(b);
  return out;
}

TEST(Allocation, SpecFiftyBlockJobFromTheGresEnvironment) {
  const Allocation alloc = allocation_from_env(env_for(range(0, 49)));
  EXPECT_EQ(alloc.node, "node0");
  EXPECT_EQ(alloc.blocks(), 50u);
  ASSERT_EQ(alloc.cards.size(), 4u);
  EXPECT_EQ(alloc.cards[0].name, "gpu0");
  EXPECT_EQ(alloc.cards[0].blocks, range(0, 8));
  EXPECT_EQ(alloc.cards[2].blocks, range(18, 37));
  EXPECT_EQ(alloc.cards[3].kind, pool::Kind::fpga);
  EXPECT_EQ(alloc.cards[3].blocks, range(38, 49));
  EXPECT_DOUBLE_EQ(alloc.cards[3].share(), 12.0 / 25.0);
  EXPECT_DOUBLE_EQ(alloc.cards[0].share(), 1.0);
  // gpu0 and gpu1 are CUDA devices 0 and 1 (CUDA_VISIBLE_DEVICES=0,1); the others OpenCL.
  EXPECT_EQ(alloc.cards[1].selector, (DeviceSelector{Backend::cuda, 1}));
  EXPECT_EQ(alloc.cards[2].selector, (DeviceSelector{Backend::opencl, 0}));
}

TEST(Allocation, ScatteredBlocksOnOneCard) {
  // Blocks 2-4 and 7 of gpu0: the plugin writes "gpu:gpu0:/dev/nvidia0:2-4,7".
  const EnvMap env = env_for({2, 3, 4, 7, 20});
  EXPECT_NE(env.at("SLURM_TFLOPS_CARDS").find("2-4,7"), std::string::npos);
  const Allocation alloc = allocation_from_env(env);
  ASSERT_EQ(alloc.cards.size(), 2u);
  EXPECT_EQ(alloc.cards[0].blocks, (std::vector<std::uint32_t>{2, 3, 4, 7}));
  EXPECT_DOUBLE_EQ(alloc.cards[0].share(), 4.0 / 9.0);
  EXPECT_EQ(alloc.cards[1].name, "npu0");
}

TEST(Allocation, CudaIndexFollowsVisibleDevices) {
  // Only gpu1 held: CUDA_VISIBLE_DEVICES=1, so the process sees it as CUDA device 0.
  const Allocation alloc = allocation_from_env(env_for(range(9, 17)));
  ASSERT_EQ(alloc.cards.size(), 1u);
  EXPECT_EQ(alloc.cards[0].selector, (DeviceSelector{Backend::cuda, 0}));
}

TEST(Allocation, BackendRulesUserOverAdminNameOverKind) {
  EnvMap env = env_for(range(0, 49));
  env["SLURM_TFLOPS_BACKENDS"] = "npu=opencl:1,fpga0=opencl:2,gpu=cuda:3";
  env["TFLOPS_HAL_BACKENDS"] = "gpu1=host";
  const Allocation alloc = allocation_from_env(env);
  EXPECT_EQ(alloc.cards[0].selector, (DeviceSelector{Backend::cuda, 3}));
  EXPECT_EQ(alloc.cards[1].selector, (DeviceSelector{Backend::host, 0}));
  EXPECT_EQ(alloc.cards[2].selector, (DeviceSelector{Backend::opencl, 1}));
  EXPECT_EQ(alloc.cards[3].selector, (DeviceSelector{Backend::opencl, 2}));
}

// After a move (select/cons_tres_tflops), Slurm's view is the truth: the blocks come from
// `scontrol show job -d` and are mapped onto the layout; the result equals what the plugin would
// write for those blocks at job start.
TEST(Allocation, BlocksAfterAMoveComeFromSlurm) {
  const EnvMap before = env_for(range(3, 8));
  const std::string scontrol =
      "JobId=7 JobName=wrap\n"
      "   JobState=RUNNING Reason=None Dependency=(null)\n"
      "   NodeList=node[0-1]\n"
      "   Nodes=node1 CPU_IDs=0 Mem=0 GRES=tflops:gpu:4(IDX:0-3)\n"
      "   Nodes=node0 CPU_IDs=0-1 Mem=0 GRES=tflops:gpu:2(IDX:16-17),tflops:npu:4(IDX:18-21)\n"
      "   TresPerNode=gres:tflops:6\n";
  const EnvMap after = env_after_move(before, scontrol);
  const EnvMap expected = env_for(range(16, 21));
  EXPECT_EQ(after.at("SLURM_TFLOPS_CARDS"), expected.at("SLURM_TFLOPS_CARDS"));
  EXPECT_EQ(after.at("SLURM_TFLOPS_BLOCKS"), "16-21");
  const Allocation alloc = allocation_from_env(after);
  ASSERT_EQ(alloc.cards.size(), 2u);
  EXPECT_EQ(alloc.cards[0].name, "gpu1");
  EXPECT_EQ(alloc.cards[1].blocks, range(18, 21));
}

TEST(Allocation, BlocksAfterAMoveNeedSlurmToListThisNode) {
  const EnvMap before = env_for(range(0, 5));
  EXPECT_THROW(env_after_move(before, "JobId=7\n   Nodes=node3 CPU_IDs=0 Mem=0 GRES=tflops:gpu:1(IDX:0)\n"),
               Error);
  // A list Slurm cut short (fewer indexes than its count) cannot be trusted, nor one it garbled.
  EXPECT_THROW(
      env_after_move(before, "JobId=7\n   Nodes=node0 CPU_IDs=0 Mem=0 GRES=tflops:gpu:9(IDX:0-3,5)\n"),
      Error);
  EXPECT_THROW(env_after_move(before, "JobId=7\n   Nodes=node0 CPU_IDs=0 Mem=0 GRES=tflops:gpu:9(IDX:0-3\n"),
               Error);
}

TEST(Allocation, VersionIsChecked) {
  EnvMap env = env_for(range(0, 9));
  env["SLURM_TFLOPS_VERSION"] = "2";
  EXPECT_THROW(
      {
        try {
          allocation_from_env(env);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("SLURM_TFLOPS_VERSION=2"), std::string::npos);
          throw;
        }
      },
      Error);
  env.erase("SLURM_TFLOPS_VERSION");
  EXPECT_THROW(allocation_from_env(env), Error);
}

TEST(Allocation, MalformedVariablesAreNamed) {
  EnvMap env = env_for(range(0, 9));
  env["SLURM_TFLOPS_CARDS"] = "gpu:gpu0:/dev/nvidia0:0-x";
  try {
    allocation_from_env(env);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SLURM_TFLOPS_CARDS"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
  env = env_for(range(0, 9));
  env["SLURM_TFLOPS_BLOCKS"] = "0-10";
  EXPECT_THROW(allocation_from_env(env), Error);
  env = env_for(range(0, 9));
  env["TFLOPS_HAL_BACKENDS"] = "npu=tpu:0";
  EXPECT_THROW(allocation_from_env(env), Error);
}

TEST(Allocation, CardListRoundTrip) {
  const Allocation alloc = parse_card_list(
      "gpu:gpu0::0-3,5/18=cuda:0,npu:npu0:/dev/davinci0:9-28=opencl:0,fpga:fpga0::29-40/25=host");
  ASSERT_EQ(alloc.cards.size(), 3u);
  EXPECT_EQ(alloc.cards[0].blocks, (std::vector<std::uint32_t>{0, 1, 2, 3, 5}));
  EXPECT_DOUBLE_EQ(alloc.cards[0].share(), 5.0 / 18.0);
  EXPECT_EQ(alloc.cards[2].selector, (DeviceSelector{Backend::host, 0}));
  const Allocation again = parse_card_list(format_card_list(alloc));
  EXPECT_EQ(format_card_list(again), format_card_list(alloc));
  EXPECT_THROW(parse_card_list("gpu:gpu0::0-3,npu:npu0::3-4"), Error);  // block on two cards
  EXPECT_THROW(parse_card_list("tpu:t0::0-3"), Error);
  EXPECT_THROW(parse_card_list("gpu:gpu0::0-9/5"), Error);
  EXPECT_THROW(parse_card_list(""), Error);
}

TEST(Allocation, LocalRanksShareTheBlocksInOrder) {
  const Allocation alloc = allocation_from_env(env_for(range(0, 49)));
  // 3 ranks: 17 + 17 + 16 blocks, contiguous, in block order.
  const Allocation r0 = share_for_rank(alloc, 0, 3), r1 = share_for_rank(alloc, 1, 3),
                   r2 = share_for_rank(alloc, 2, 3);
  EXPECT_EQ(r0.blocks(), 17u);
  EXPECT_EQ(r1.blocks(), 17u);
  EXPECT_EQ(r2.blocks(), 16u);
  ASSERT_EQ(r0.cards.size(), 2u);  // gpu0 0-8 and gpu1 9-16
  EXPECT_DOUBLE_EQ(r0.cards[1].share(), 8.0 / 9.0);
  EXPECT_EQ(r2.cards.back().name, "fpga0");
  EXPECT_DOUBLE_EQ(r2.cards.back().share(), 12.0 / 25.0);
  EXPECT_THROW(share_for_rank(alloc, 0, 51), Error);
  EXPECT_THROW(restrict_to_blocks(alloc, {50}), Error);
}

}  // namespace
}  // namespace tflops::hal
