// SPDX-License-Identifier: GPL-2.0-or-later
// The job environment contract (version 1) on the worked example's 200 TFLOPS pool, without Slurm.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <string>

#include "card_map.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"

using namespace tflops;

namespace {

pool::Layout example() { return pool::Layout(pool::load_inventory(TFLOPS_EXAMPLES_DIR "/tflops.conf")); }

std::map<std::string, std::string> as_map(const gres::EnvList& env) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : env) out[k] = v;
  return out;
}

std::vector<std::uint32_t> range(std::uint32_t first, std::uint32_t count) {
  std::vector<std::uint32_t> v(count);
  std::iota(v.begin(), v.end(), first);
  return v;
}

}  // namespace

TEST(CardMap, Node0InBlockOrder) {
  gres::CardMap map = gres::card_map(example(), "node0");
  EXPECT_EQ(map.pool_first, 1u);
  EXPECT_EQ(map.blocks, 63u);
  ASSERT_EQ(map.cards.size(), 4u);
  EXPECT_EQ(map.cards[0].name, "gpu0");
  EXPECT_EQ(map.cards[0].count, 9u);
  EXPECT_EQ(map.cards[2].kind, "npu");
  EXPECT_EQ(map.cards[2].first, 18u);
  EXPECT_EQ(map.cards[3].device, "/dev/xclmgmt0");
  EXPECT_EQ(map.cards[3].count, 25u);
}

TEST(CardMap, Node2RegionOrderAndPoolFirst) {
  gres::CardMap map = gres::card_map(example(), "node2");
  EXPECT_EQ(map.pool_first, 120u);
  ASSERT_EQ(map.cards.size(), 4u);
  EXPECT_EQ(map.cards[0].kind, "npu");  // npu region comes before fpga
  EXPECT_EQ(map.cards[1].first, 3u);
}

TEST(CardMap, UnknownNodeIsEmpty) { EXPECT_TRUE(gres::card_map(example(), "nodeX").cards.empty()); }

TEST(CardMap, SerializeRoundTrip) {
  gres::CardMap map = gres::card_map(example(), "node3");
  gres::CardMap back = gres::parse_card_map(gres::serialize(map));
  EXPECT_EQ(gres::serialize(back), gres::serialize(map));
  EXPECT_EQ(back.pool_first, 146u);
  EXPECT_THROW(gres::parse_card_map("garbage"), pool::Error);
  EXPECT_THROW(gres::parse_card_map("n|x|1|"), pool::Error);
  map.cards[0].backend = "opencl:12";  // the selector's ':' survives the trip
  EXPECT_EQ(gres::parse_card_map(gres::serialize(map)).cards[0].backend, "opencl:12");
}

TEST(Ranges, Format) {
  EXPECT_EQ(gres::format_ranges({}), "");
  EXPECT_EQ(gres::format_ranges({0, 1, 2, 5, 7, 8}), "0-2,5,7-8");
  EXPECT_EQ(gres::format_ranges({0, 1, 2}, 1), "1-3");
}

TEST(DeviceNumber, TrailingDigits) {
  EXPECT_EQ(gres::device_number("/dev/nvidia3"), 3);
  EXPECT_EQ(gres::device_number("/dev/dri/renderD129"), 129);
  EXPECT_EQ(gres::device_number("/dev/null"), -1);
}

// The worked example: a 50-block virtual card on node0 is pool blocks 1-50: GPU 1-18, NPU 19-38,
// FPGA 39-50.
TEST(JobEnv, Spec50TOnNode0) {
  auto env = as_map(gres::job_env(gres::card_map(example(), "node0"), range(0, 50)));
  EXPECT_EQ(env["SLURM_TFLOPS_VERSION"], "1");
  EXPECT_EQ(env["SLURM_TFLOPS_NODE"], "node0");
  EXPECT_EQ(env["SLURM_TFLOPS_BLOCKS"], "0-49");
  EXPECT_EQ(env["SLURM_TFLOPS_POOL_BLOCKS"], "1-50");
  EXPECT_EQ(env["SLURM_TFLOPS_ON_NODE"], "50");
  EXPECT_EQ(env["SLURM_TFLOPS_CARDS"],
            "gpu:gpu0:/dev/nvidia0:0-8,gpu:gpu1:/dev/nvidia1:9-17,npu:npu0:/dev/davinci0:18-37,"
            "fpga:fpga0:/dev/xclmgmt0:38-49");
  EXPECT_EQ(env["SLURM_TFLOPS_LAYOUT"],
            "gpu:gpu0:/dev/nvidia0:0-8,gpu:gpu1:/dev/nvidia1:9-17,npu:npu0:/dev/davinci0:18-37,"
            "fpga:fpga0:/dev/xclmgmt0:38-62");
  EXPECT_EQ(env["SLURM_TFLOPS_POOL_FIRST"], "1");
  EXPECT_EQ(env["SLURM_TFLOPS_SHARES"], "gpu0:1.000,gpu1:1.000,npu0:1.000,fpga0:0.480");
  EXPECT_EQ(env["CUDA_VISIBLE_DEVICES"], "0,1");
  EXPECT_EQ(env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"], "100");
  EXPECT_EQ(env["ASCEND_RT_VISIBLE_DEVICES"], "0");
  EXPECT_EQ(env["SLURM_TFLOPS_FPGA_DEVICES"], "0");
}

TEST(JobEnv, PartialGpuAndOnlyHeldCards) {
  // blocks 3-11 of node0: 6 of gpu0, 3 of gpu1; no NPU, no FPGA.
  auto env = as_map(gres::job_env(gres::card_map(example(), "node0"), range(3, 9)));
  EXPECT_EQ(env["SLURM_TFLOPS_POOL_BLOCKS"], "4-12");
  EXPECT_EQ(env["SLURM_TFLOPS_CARDS"], "gpu:gpu0:/dev/nvidia0:3-8,gpu:gpu1:/dev/nvidia1:9-11");
  EXPECT_EQ(env["SLURM_TFLOPS_SHARES"], "gpu0:0.667,gpu1:0.333");
  EXPECT_EQ(env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"], "33");
  EXPECT_EQ(env.count("ASCEND_RT_VISIBLE_DEVICES"), 0u);
  EXPECT_EQ(env.count("SLURM_TFLOPS_FPGA_DEVICES"), 0u);
}

TEST(JobEnv, NpuOnlyOnNode1HasNoCuda) {
  gres::CardMap map = gres::card_map(example(), "node1");  // gpu 0-19, npu 20-55
  auto env = as_map(gres::job_env(map, range(38, 10)));    // npu0 38-..., npu1 from 38
  EXPECT_EQ(env["SLURM_TFLOPS_POOL_BLOCKS"], "102-111");
  EXPECT_EQ(env.count("CUDA_VISIBLE_DEVICES"), 0u);
  EXPECT_EQ(env["ASCEND_RT_VISIBLE_DEVICES"], "1");
}

TEST(JobEnv, DetectedCardsMapToTheirBackendDevicesHeldOrNot) {
  gres::CardMap map = gres::card_map(example(), "node0");
  EXPECT_EQ(as_map(gres::job_env(map, range(0, 3))).count("SLURM_TFLOPS_BACKENDS"), 0u);  // none detected
  map.cards[1].backend = "cuda:1";
  map.cards[2].backend = "opencl:0";
  auto env = as_map(gres::job_env(map, range(0, 3)));  // holds gpu0 only
  EXPECT_EQ(env["SLURM_TFLOPS_BACKENDS"], "gpu1=cuda:1,npu0=opencl:0");
}

TEST(JobEnv, OwnedNamesCoverEveryTflopsVariable) {
  gres::CardMap map = gres::card_map(example(), "node0");
  map.cards[0].backend = "cuda:0";
  auto env = gres::job_env(map, range(0, 63));
  auto owned = gres::owned_env_names();
  for (const auto& [k, v] : env) {
    if (k.rfind("SLURM_TFLOPS_", 0) == 0) {
      EXPECT_NE(std::find(owned.begin(), owned.end(), k), owned.end()) << k;
    }
  }
}
