// SPDX-License-Identifier: GPL-2.0-or-later
// The node's card map and the job environment gres/tflops writes (the contract of
// slurm_common/job_env_contract.h, see doc/job-environment.md). Pure C++: no Slurm types, so that it
// is unit-tested without a cluster.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tflops/pool/layout.h"

namespace tflops::gres {

struct CardEntry {
  std::string kind;         // gpu | npu | fpga
  std::string name;         // gpu0
  std::string device;       // /dev/nvidia0 (may be empty)
  std::uint32_t first = 0;  // node-local block number
  std::uint32_t count = 0;
  std::string backend;  // the HAL device driving it ("cuda:1", "opencl:0") when detected, else empty
  std::string detect;   // "cuda" or "opencl" when tflops.conf says Detect= (slurmd side only)
  int line = 0;         // its tflops.conf line, for messages (slurmd side only)
};

// One node's cards in block order: what slurmd registers and ships to slurmstepd.
struct CardMap {
  std::string node;
  std::uint64_t pool_first = 1;  // pool-wide number of node-local block 0
  std::uint32_t blocks = 0;
  std::vector<CardEntry> cards;
};

// The card map of `node` in `layout`; empty (no cards) when the node has none.
CardMap card_map(const pool::Layout& layout, const std::string& node);

// A one-line text form for send_stepd/recv_stepd. parse_card_map throws pool::Error on bad text.
std::string serialize(const CardMap& map);
CardMap parse_card_map(const std::string& text);

// "0-8,10,12-13" for sorted unique numbers (plus `offset` added to each).
std::string format_ranges(const std::vector<std::uint64_t>& sorted, std::uint64_t offset = 0);

using EnvList = std::vector<std::pair<std::string, std::string>>;

// The variables for a job/step holding `blocks` (node-local, sorted, unique) on this node.
// Vendor visibility variables are only set when the job holds cards of that vendor.
EnvList job_env(const CardMap& map, const std::vector<std::uint32_t>& blocks);

// Every variable job_env may set: what to clear when a job holds no tflops blocks (the vendor
// variables are not listed: they may belong to a gres/gpu beside tflops).
std::vector<std::string> owned_env_names();

// "/dev/nvidia3" -> 3; -1 when the name does not end in a number.
int device_number(const std::string& device);

}  // namespace tflops::gres
