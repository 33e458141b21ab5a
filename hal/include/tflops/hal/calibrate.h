// SPDX-License-Identifier: GPL-2.0-or-later
// The FP32 TFLOPS a device achieves on a short SGEMM: what `tflopsctl devices` reports and what
// the node's tflops.conf TFLOPS= figure should be based on.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "tflops/hal/device.h"
#include "tflops/pool/kind.h"

namespace tflops::hal {

struct Calibration {
  DeviceInfo device;
  std::size_t n = 0;  // n x n x n SGEMM
  int repeats = 0;    // timed runs after one warm-up
  double tflops = 0;  // best of the timed runs
  std::string error;  // non-empty when the device failed (then tflops = 0)
};

// Times SGEMM of size n on `device` (whole device). Never throws for a device failure: the
// error is in the result.
Calibration calibrate_device(const DeviceInfo& device, std::size_t n, int repeats);

// The card kind a device most likely is (gpu for GPUs, npu for other accelerators, fpga for
// "custom"); host CPUs have none and get no tflops.conf line.
std::optional<pool::Kind> default_kind(const DeviceInfo& device);

}  // namespace tflops::hal
