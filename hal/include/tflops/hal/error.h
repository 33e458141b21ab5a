// SPDX-License-Identifier: GPL-2.0-or-later
// Errors of the HAL. Two kinds, so that a caller can tell "fix your input" from "a device broke":
//
//   hal::Error        bad input a user or admin can fix (a malformed SLURM_TFLOPS_* variable or
//                     card list, an allocation with no usable device, a shape mismatch in an
//                     operation). A pool::Error, so tflopsctl prints it as such (exit 2).
//   hal::DeviceError  a device failed or vanished while in use. Names the slice (card name),
//                     the backend device and the call that failed. The operation that raised it
//                     left its output undefined: never a silent wrong result.
#pragma once

#include <stdexcept>
#include <string>

#include "tflops/pool/error.h"

namespace tflops::hal {

class Error : public pool::Error {
 public:
  explicit Error(const std::string& message) : pool::Error(message) {}
};

class DeviceError : public std::runtime_error {
 public:
  // `device` is what a person recognises: "npu0 (opencl:0 'pthread-haswell')".
  DeviceError(std::string device, const std::string& message)
      : std::runtime_error(device + ": " + message), device_(std::move(device)) {}
  const std::string& device() const { return device_; }

 private:
  std::string device_;
};

}  // namespace tflops::hal
