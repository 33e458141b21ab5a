// SPDX-License-Identifier: GPL-2.0-or-later
// Detect= in tflops.conf: the node's devices (tflopsctl's JSON) given to the cards that ask, in
// the HAL's order, and a clear error naming the line when the node has too few.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "detection.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"

using namespace tflops;

namespace {

// What `tflopsctl devices --json --no-calibrate` prints on a node with a host CPU, two GPUs and
// two OpenCL accelerators (fields the detection does not read left out).
const char* kDevices = R"({"devices": [
  {"selector": "host", "type": "cpu", "pci_bus_id": ""},
  {"selector": "cuda:0", "type": "gpu", "pci_bus_id": "0000:3B:00.0"},
  {"selector": "cuda:1", "type": "gpu", "pci_bus_id": "0000:AF:00.0"},
  {"selector": "opencl:0", "type": "accelerator", "pci_bus_id": ""},
  {"selector": "opencl:1", "type": "accelerator", "pci_bus_id": ""}], "pci": []})";

gres::CardMap node_map(const std::string& conf) {
  return gres::card_map(pool::Layout(pool::parse_inventory(conf, "tflops.conf")), "n0");
}

}  // namespace

TEST(Detection, ParsesTheHalsDeviceList) {
  const auto devices = gres::parse_detected_devices(kDevices);
  ASSERT_EQ(devices.size(), 5u);
  EXPECT_EQ(devices[1].selector, "cuda:0");
  EXPECT_EQ(devices[1].backend, "cuda");
  EXPECT_EQ(devices[2].pci_bus_id, "0000:AF:00.0");
  EXPECT_EQ(devices[3].backend, "opencl");
  EXPECT_THROW(gres::parse_detected_devices("calibrating host ..."), pool::Error);
  EXPECT_THROW(gres::parse_detected_devices(R"({"devices": [{"type": "gpu"}]})"), pool::Error);
}

TEST(Detection, CardsTakeTheNextDevicesOfTheirBackendInFileOrder) {
  const auto proc = std::filesystem::path(::testing::TempDir()) / "nvidia-gpus";
  std::filesystem::create_directories(proc / "0000:af:00.0");
  std::ofstream(proc / "0000:af:00.0" / "information") << "Model: H100\nDevice Minor: \t 7\nIRQ: 30\n";
  gres::CardMap map = node_map(
      "NodeName=n0 Kind=npu Name=npu0 Detect=opencl TFLOPS=4\n"
      "NodeName=n0 Kind=gpu Name=gpu[0-1] Detect=cuda TFLOPS=9\n"
      "NodeName=n0 Kind=fpga Name=fpga0 Device=/dev/xclmgmt0 TFLOPS=2\n"
      "NodeName=n0 Kind=gpu Name=gpu2 Detect=opencl TFLOPS=1\n");  // OpenCL's second, though its block comes first
  gres::assign_detected_devices(map, gres::parse_detected_devices(kDevices), "tflops.conf", proc.string());
  ASSERT_EQ(map.cards.size(), 5u);  // block order: gpu0, gpu1, gpu2, npu0, fpga0
  EXPECT_EQ(map.cards[0].backend, "cuda:0");
  EXPECT_EQ(map.cards[0].device, "");  // the driver lists no minor for 3b:00.0
  EXPECT_EQ(map.cards[1].backend, "cuda:1");
  EXPECT_EQ(map.cards[1].device, "/dev/nvidia7");
  EXPECT_EQ(map.cards[2].name, "gpu2");
  EXPECT_EQ(map.cards[2].backend, "opencl:1");
  EXPECT_EQ(map.cards[3].backend, "opencl:0");
  EXPECT_EQ(map.cards[4].backend, "");  // declared, not detected
  EXPECT_EQ(map.cards[4].device, "/dev/xclmgmt0");
  EXPECT_TRUE(gres::wants_detection(map));
}

TEST(Detection, TooFewDevicesNameTheLineAndTheFix) {
  gres::CardMap map = node_map(
      "NodeName=n0 Kind=gpu Name=gpu0 Device=/dev/nvidia0 TFLOPS=9\n"
      "NodeName=n0 Kind=npu Name=npu[0-2] Detect=opencl TFLOPS=4\n");
  try {
    gres::assign_detected_devices(map, gres::parse_detected_devices(kDevices), "tflops.conf");
    FAIL() << "three OpenCL cards on two OpenCL devices were accepted";
  } catch (const pool::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("tflops.conf:2: card npu2 of n0"), std::string::npos) << message;
    EXPECT_NE(message.find("has 2 opencl device(s) for its 3 Detect=opencl cards"), std::string::npos)
        << message;
    EXPECT_NE(message.find("Fix:"), std::string::npos) << message;
  }
  EXPECT_FALSE(gres::wants_detection(node_map("NodeName=n0 Kind=gpu Name=gpu0 TFLOPS=9\n")));
}
