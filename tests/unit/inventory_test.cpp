// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec_pools.h"
#include "tflops/pool/error.h"

using testing::AllOf;
using testing::HasSubstr;
using namespace tflops::pool;

TEST(Inventory, ParsesSpecClusterInADozenLines) {
  Inventory inv = parse_inventory(fixtures::kSpec200T, "tflops.conf");
  EXPECT_EQ(inv.nodes, (std::vector<std::string>{"node0", "node1", "node2", "node3"}));
  ASSERT_EQ(inv.cards.size(), 16u);
  EXPECT_EQ(inv.cards[0].name, "gpu0");
  EXPECT_EQ(inv.cards[1].device, "/dev/nvidia1");
  EXPECT_EQ(inv.cards[1].line, 2);
  double total = 0;
  for (const Card& c : inv.cards) total += c.tflops;
  EXPECT_DOUBLE_EQ(total, 200);
}

TEST(Inventory, HostListsCommentsOptionsAndCaseInsensitiveKeys) {
  Inventory inv = parse_inventory(
      "BlockTFLOPS=0.5 # half blocks\n"
      "regionorder=fpga,gpu,npu\n"
      "MigrationPolicy=minimal\nPreemptMinPriorityGap=10\n"
      "nodename=n[1-2] kind=GPU name=g0 tflops=4.5\n",
      "x.conf");
  EXPECT_DOUBLE_EQ(inv.options.block_tflops, 0.5);
  EXPECT_EQ(inv.options.region_order[0], Kind::fpga);
  EXPECT_EQ(inv.options.migration, MigrationPolicy::minimal);
  EXPECT_EQ(inv.options.min_priority_gap, 10);
  ASSERT_EQ(inv.cards.size(), 2u);
  EXPECT_EQ(inv.cards[1].node, "n2");
  EXPECT_TRUE(inv.cards[1].device.empty());
}

// Every error names the file, the line, the word and a fix.
void expect_error(const std::string& text, const std::string& where, const std::string& word,
                  const std::string& fix) {
  try {
    parse_inventory(text, "site.conf");
    FAIL() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(where), HasSubstr(word), HasSubstr(fix))) << text;
  }
}

TEST(Inventory, BadInputNamesFileLineWordAndFix) {
  const std::string ok = "NodeName=n0 Kind=gpu Name=g0 TFLOPS=9\n";
  expect_error(ok + "NodeName=n0 Kind=tpu Name=t0 TFLOPS=9", "site.conf:2", "'Kind=tpu'",
               "use gpu, npu or fpga");
  expect_error("NodeName=n0 Kind=gpu Name=g0 TFLOP=9", "site.conf:1", "'TFLOP=9'", "did you mean TFLOPS");
  expect_error("NodeName=n0 Kind=gpu Name=g0 TFLOPS=0", "site.conf:1", "'TFLOPS=0'", "greater than 0");
  expect_error("NodeName=n0 Kind=gpu Name=g0 TFLOPS=-3", "site.conf:1", "'TFLOPS=-3'", "greater than 0");
  expect_error("NodeName=n0 Kind=gpu Name=g0 TFLOPS=fast", "site.conf:1", "'TFLOPS=fast'", "not a number");
  expect_error("NodeName=n0 Kind=gpu Name=g0 TFLOPS=9x", "site.conf:1", "'TFLOPS=9x'", "not a number");
  expect_error(ok + "\n# c\nNodeName=n0 Kind=npu Name=g0 TFLOPS=1", "site.conf:4", "'Name=g0'",
               "already declared on line 1");
  expect_error("NodeName=n0 Kind=gpu Name=g0", "site.conf:1", "NodeName=n0", "add TFLOPS=");
  expect_error("NodeName=n0 Kind=gpu Name=g[0-1] Device=/dev/a TFLOPS=1", "site.conf:1", "'Device=/dev/a'",
               "one device per card");
  expect_error(ok + "NodeName=n0 Kind=gpu Name=g1 Device=/dev/x TFLOPS=1\n"
                    "NodeName=n0 Kind=gpu Name=g2 Device=/dev/x TFLOPS=1",
               "site.conf:3", "'Device=/dev/x'", "own device");
  expect_error("NodeName=n[0-1 Kind=gpu Name=g0 TFLOPS=1", "site.conf:1", "'NodeName=n[0-1'", "host list");
  expect_error("BlockTFLOPS=1\nBlockTFLOPS=2", "site.conf:2", "'BlockTFLOPS=2'", "once");
  expect_error("RegionOrder=gpu,npu", "site.conf:1", "'RegionOrder=gpu,npu'", "list all three");
  expect_error("MigrationPolicy=eager", "site.conf:1", "'MigrationPolicy=eager'", "compact, minimal or none");
  expect_error("NodeName=n0 Kind=gpu Name=g0 TFLOPS=1 BlockTFLOPS=2", "site.conf:1", "BlockTFLOPS=2", "own");
  expect_error("Kind=gpu Name=g0 TFLOPS=1", "site.conf:1", "'Kind=gpu'", "NodeName=");
  expect_error("NodeName=n0 Kind=gpu Name=g0 TFLOPS 9", "site.conf:1", "'TFLOPS'", "Key=value");
  expect_error("# nothing\n", "site.conf", "no cards", "NodeName=node0");
  expect_error("NodeName=n0 Kind=gpu Name=g[0-2000] TFLOPS=1", "site.conf:1", "'Name=g[0-2000]'",
               "at most 1024 cards");
  expect_error("NodeName=n[0-99999] Kind=gpu Name=g[0-99] TFLOPS=1", "site.conf:1", "'NodeName=n[0-99999]'",
               "check the NodeName and Name ranges");
  // 1,000,000 cards is under the card cap, but each would keep a 10,003-character node name.
  expect_error("NodeName=" + std::string(10000, 'n') + "[000-999] Kind=gpu Name=g[0-999] TFLOPS=1",
               "site.conf:1", "'NodeName=nnnn", "check the NodeName, Name and Device ranges");
}

TEST(Inventory, DetectAsksSlurmdForTheDevices) {
  Inventory inv = parse_inventory(
      "NodeName=n0 Kind=gpu Name=g[0-1] Detect=CUDA TFLOPS=9\n"
      "NodeName=n0 Kind=npu Name=p0 detect=opencl TFLOPS=4\n",
      "site.conf");
  ASSERT_EQ(inv.cards.size(), 3u);
  EXPECT_EQ(inv.cards[1].detect, "cuda");
  EXPECT_EQ(inv.cards[2].detect, "opencl");
  EXPECT_TRUE(inv.cards[0].device.empty());
  expect_error("NodeName=n0 Kind=gpu Name=g0 Detect=nvml TFLOPS=9", "site.conf:1", "'Detect=nvml'",
               "Detect=cuda or Detect=opencl");
  expect_error("NodeName=n0 Kind=gpu Name=g0 Device=/dev/nvidia0 Detect=cuda TFLOPS=9", "site.conf:1",
               "'Detect=cuda'", "drop Device=");
}

TEST(Inventory, MissingFileIsNamed) {
  EXPECT_THAT([] { load_inventory("/nonexistent/tflops.conf"); },
              testing::ThrowsMessage<Error>(HasSubstr("/nonexistent/tflops.conf")));
  EXPECT_THAT([] { load_inventory("/tmp"); }, testing::ThrowsMessage<Error>(HasSubstr("is a directory")));
}
