// SPDX-License-Identifier: GPL-2.0-or-later
// The card inventory (tflops.conf): which cards each node has and what each is worth.
//
// One card per line, Slurm-style key=value words (keys are case-insensitive):
//
//   NodeName=node0 Kind=gpu Name=gpu[0-1] Device=/dev/nvidia[0-1] TFLOPS=9
//
// NodeName and Name take Slurm host lists; a Name list declares one card per entry, and a
// Device list must then have as many entries (one device each). TFLOPS is per card. '#' starts
// a comment. Detect=cuda|opencl instead of Device= asks slurmd to find the cards' devices
// itself: going down the file, each such card takes the node's next device of that backend in
// the order `tflopsctl devices` lists them (gres/tflops, detection.h). Lines without NodeName set
// pool-wide options:
//
//   BlockTFLOPS=1                 TFLOPS per block (Slurm caps a node at 1024 blocks)
//   RegionOrder=gpu,npu,fpga      order of the kind regions inside every node
//   MigrationPolicy=compact       compact | minimal | none
//   PreemptMinPriorityGap=1       a victim's priority must be at least this much lower
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tflops/pool/kind.h"

namespace tflops::pool {

enum class MigrationPolicy : std::uint8_t { none, compact, minimal };

std::string_view migration_policy_name(MigrationPolicy policy);

struct PoolOptions {
  double block_tflops = 1.0;
  std::array<Kind, kKindCount> region_order = {Kind::gpu, Kind::npu, Kind::fpga};
  MigrationPolicy migration = MigrationPolicy::compact;
  std::int64_t min_priority_gap = 1;
};

struct Card {
  std::string node;
  std::string name;
  Kind kind = Kind::gpu;
  std::string device;  // empty when the line names none
  std::string detect;  // "cuda" or "opencl" when slurmd finds the device (Detect=), else empty
  double tflops = 0;
  int line = 0;  // line in the inventory file, for messages
};

struct Inventory {
  std::string source;  // file name used in messages
  PoolOptions options;
  std::vector<std::string> nodes;  // in order of first appearance: the pool-wide numbering order
  std::vector<Card> cards;         // in file order
};

// Parses inventory text. `source` names the file in messages. Throws Error naming
// source:line, the offending word and the fix.
Inventory parse_inventory(std::string_view text, std::string source);

// Reads and parses a file; a missing or unreadable file is an Error naming it.
Inventory load_inventory(const std::string& path);

}  // namespace tflops::pool
