// SPDX-License-Identifier: GPL-2.0-or-later
// job_submit/tflops: which requests are refused at submission, and what the message says.
#include "request_check.h"

#include <gtest/gtest.h>

#include "spec_pools.h"

namespace tflops::select {
namespace {

std::string refusal(std::string_view per_node, std::uint32_t nodes = 1, std::string_view per_job = "") {
  auto layout = pool::fixtures::spec_200t();
  auto answer = refuse_request({per_node, per_job, nodes}, *layout);
  return answer ? *answer : "accepted";
}

bool says(const std::string& message, const std::string& part) {
  return message.find(part) != std::string::npos;
}

TEST(RequestCheck, RunnableRequestsPass) {
  EXPECT_EQ(refusal("gres:tflops:50"), "accepted");
  EXPECT_EQ(refusal("gres:tflops:63"), "accepted");
  EXPECT_EQ(refusal("gres:tflops:npu:36"), "accepted");
  EXPECT_EQ(refusal("gres:tflops:fpga:25"), "accepted");
  EXPECT_EQ(refusal("gres:gpu:1,gres:tflops:gpu:4"), "accepted");
  EXPECT_EQ(refusal("gres:tflops:50", 3), "accepted");  // node0, node1, node3
  EXPECT_EQ(refusal("gres:gpu:0"), "accepted");         // not ours
  EXPECT_EQ(refusal(""), "accepted");
  EXPECT_EQ(refusal("gres:tflops:gpu"), "accepted");  // one gpu block
}

TEST(RequestCheck, MoreThanAnyNodeHoldsIsRefusedNamingTheLargestNode) {
  auto m = refusal("gres:tflops:300");
  EXPECT_TRUE(says(m, "--gres=tflops:300")) << m;
  EXPECT_TRUE(says(m, "largest node (node0) has 63")) << m;
  EXPECT_TRUE(says(m, "the pool has 200")) << m;
  EXPECT_TRUE(says(refusal("gres:tflops:64"), "at most 63 per node"));
  auto f = refusal("gres:tflops:fpga:26");
  EXPECT_TRUE(says(f, "26 fpga blocks")) << f;
  EXPECT_TRUE(says(f, "has 25")) << f;
}

TEST(RequestCheck, TooFewNodesBigEnoughIsRefused) {
  auto m = refusal("gres:tflops:50", 4);
  EXPECT_TRUE(says(m, "only 3 node(s) have 50")) << m;
}

// The worked example's 200 TFLOPS pool: node0 gpu 18, npu 20, fpga 25; node1 gpu 20, npu 36; node2
// npu 3, fpga 23; node3 gpu 28, npu 15, fpga 12.
TEST(RequestCheck, KindsNoNodeHoldsTogetherAreRefused) {
  EXPECT_EQ(refusal("gres:tflops:gpu:18,gres:tflops:npu:20,gres:tflops:fpga:13"), "accepted");  // node0
  auto m = refusal("gres:tflops:gpu:20,gres:tflops:fpga:13");  // each kind alone fits somewhere
  EXPECT_TRUE(
      says(m, "--gres=tflops:gpu:20,tflops:fpga:13: no node holds 20 gpu blocks and 13 fpga blocks together"))
      << m;
  EXPECT_EQ(refusal("gres:tflops:gpu:18,gres:tflops:fpga:12", 2), "accepted");  // node0, node3
  auto n = refusal("gres:tflops:gpu:18,gres:tflops:fpga:12", 3);
  EXPECT_TRUE(says(n, "on 3 nodes: only 2 node(s) hold 18 gpu blocks and 12 fpga blocks together")) << n;
  // The same kind twice needs the sum on one node: 15 + 15 npu only on node1.
  EXPECT_EQ(refusal("gres:tflops:npu:15,gres:tflops:npu:15"), "accepted");
  EXPECT_TRUE(says(refusal("gres:tflops:npu:20,gres:tflops:npu:20"), "no node holds 40 npu blocks"));
}

TEST(RequestCheck, ZeroAndMalformedCountsAreRefused) {
  EXPECT_TRUE(says(refusal("gres:tflops:0"), "asks for no blocks"));
  EXPECT_TRUE(says(refusal("gres:tflops:gpu:0"), "asks for no blocks"));
  EXPECT_TRUE(says(refusal("gres:tflops:abc"), "'abc' is not a block count"));
  EXPECT_TRUE(says(refusal("gres:tflops:-3"), "'-3' is not a block count"));
  EXPECT_TRUE(says(refusal("gres:tflops:5x"), "'5x' is not a block count"));
  EXPECT_TRUE(
      says(refusal("gres:tflops:xpu:3"), "'xpu' is not a card kind; this cluster has gpu, npu, fpga"));
  EXPECT_TRUE(says(refusal("gres:tflops:gpu:1:2"), "too many fields"));
}

TEST(RequestCheck, PerJobCountsAreCheckedAgainstThePool) {
  EXPECT_EQ(refusal("", 1, "gres:tflops:200"), "accepted");
  EXPECT_TRUE(says(refusal("", 1, "gres:tflops:201"), "whole pool has 200"));
}

TEST(RequestCheck, AKindTheClusterLacksIsRefused) {
  auto layout = pool::fixtures::spec_10t();  // gpu only
  auto m = refuse_request({"gres:tflops:npu:1", "", 1}, *layout);
  ASSERT_TRUE(m);
  EXPECT_TRUE(says(*m, "no npu cards; it has gpu")) << *m;
}

}  // namespace
}  // namespace tflops::select
