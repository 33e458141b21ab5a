// SPDX-License-Identifier: GPL-2.0-or-later
// The pools of the README's worked examples, shared by the unit tests.
#pragma once

#include <memory>
#include <string>

#include "tflops/pool/layout.h"

namespace tflops::pool::fixtures {

// The worked example's 200 TFLOPS pool: node0 63T, node1 56T, node2 26T, node3 55T.
inline const char* const kSpec200T = R"(# the worked example's 200T pool
NodeName=node0 Kind=gpu  Name=gpu[0-1]  Device=/dev/nvidia[0-1]  TFLOPS=9
NodeName=node0 Kind=npu  Name=npu0      Device=/dev/davinci0     TFLOPS=20
NodeName=node0 Kind=fpga Name=fpga0     Device=/dev/xclmgmt0     TFLOPS=25
NodeName=node1 Kind=gpu  Name=gpu[0-1]  Device=/dev/nvidia[0-1]  TFLOPS=10
NodeName=node1 Kind=npu  Name=npu[0-1]  Device=/dev/davinci[0-1] TFLOPS=18
NodeName=node2 Kind=fpga Name=fpga[0-1] Device=/dev/xclmgmt[0-1] TFLOPS=8
NodeName=node2 Kind=fpga Name=fpga2     Device=/dev/xclmgmt2     TFLOPS=7
NodeName=node2 Kind=npu  Name=npu0      Device=/dev/davinci0     TFLOPS=3
NodeName=node3 Kind=gpu  Name=gpu[0-1]  Device=/dev/nvidia[0-1]  TFLOPS=14
NodeName=node3 Kind=npu  Name=npu0      Device=/dev/davinci0     TFLOPS=15
NodeName=node3 Kind=fpga Name=fpga0     Device=/dev/xclmgmt0     TFLOPS=12
)";

inline std::shared_ptr<const Layout> layout_of(const std::string& text, const std::string& options = "") {
  return std::make_shared<const Layout>(parse_inventory(options + "\n" + text, "test.conf"));
}

inline std::shared_ptr<const Layout> spec_200t(const std::string& options = "") {
  return layout_of(kSpec200T, options);
}

// The migration example: one node of 10 blocks.
inline std::shared_ptr<const Layout> spec_10t(const std::string& options = "") {
  return layout_of("NodeName=node0 Kind=gpu Name=gpu0 TFLOPS=10", options);
}

}  // namespace tflops::pool::fixtures
