// SPDX-License-Identifier: GPL-2.0-or-later
// tflops-gres-lines FILE: prints, for each node of a card inventory (tflops.conf), the Gres= value
// its slurm.conf NodeName line needs and its blocks, e.g. "node0 tflops:gpu:18,tflops:npu:20,tflops:fpga:25 63".
// Exit 1 with the inventory's file:line message when it is bad. Used by contrib/cluster.
#include <array>
#include <cstdio>
#include <exception>
#include <string>

#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/kind.h"
#include "tflops/pool/layout.h"

int main(int argc, char** argv) {
  const std::string first = argc > 1 ? argv[1] : "";
  if (argc == 2 && (first == "-h" || first == "--help")) {
    std::printf(
        "usage: tflops-gres-lines TFLOPS_CONF\n"
        "\n"
        "Prints, for each node of the card inventory TFLOPS_CONF, the node's name, the Gres= value\n"
        "its slurm.conf NodeName line needs, and its number of blocks, e.g.\n"
        "  node0 tflops:gpu:18,tflops:npu:20,tflops:fpga:25 63\n"
        "Exit status 1, with the inventory's file:line message, when the file is bad.\n");
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: tflops-gres-lines TFLOPS_CONF (--help for more)\n");
    return 2;
  }
  try {
    tflops::pool::Layout layout(tflops::pool::load_inventory(argv[1]));
    for (const auto& node : layout.nodes()) {
      std::string gres;
      for (auto kind : layout.options().region_order) {
        const auto& region = node.regions[static_cast<std::size_t>(kind)];
        if (region.count == 0) continue;
        if (!gres.empty()) gres += ",";
        gres += "tflops:" + std::string(tflops::pool::kind_name(kind)) + ":" + std::to_string(region.count);
      }
      std::printf("%s %s %u\n", node.name.c_str(), gres.c_str(), node.blocks);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
