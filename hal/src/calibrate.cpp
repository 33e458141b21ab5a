// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/hal/calibrate.h"

#include <algorithm>
#include <chrono>

#include "sgemm_timer.h"

namespace tflops::hal {

double detail::time_sgemm(Device& d, std::size_t rows, std::size_t n, std::size_t k, int repeats) {
  auto a = d.alloc(rows * k), b = d.alloc(k * n), c = d.alloc(rows * n);
  d.fill(rows * k, 0.5f, *a);
  d.fill(k * n, 0.5f, *b);
  double best = 1e30;
  for (int r = 0; r <= repeats; ++r) {  // run 0 warms up (kernel builds, page faults)
    const auto start = std::chrono::steady_clock::now();
    d.gemm(false, false, rows, n, k, 1.0f, *a, k, *b, n, 0.0f, *c, n);
    d.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r > 0) best = std::min(best, seconds);
  }
  return best;
}

Calibration calibrate_device(const DeviceInfo& device, std::size_t n, int repeats) {
  Calibration result{device, n, repeats, 0.0, ""};
  const detail::BackendOps* backend = detail::find_backend(device.selector.backend);
  if (!backend) {
    result.error = "backend not built";
    return result;
  }
  try {
    auto d = backend->open(device, {format_selector(device.selector), 1.0, false, {}});
    const double best = detail::time_sgemm(*d, n, n, n, repeats);
    result.tflops = 2.0 * static_cast<double>(n) * n * n / best / 1e12;
  } catch (const std::exception& error) {
    result.error = error.what();
  }
  return result;
}

std::optional<pool::Kind> default_kind(const DeviceInfo& device) {
  if (device.selector.backend == Backend::host) return std::nullopt;
  if (device.type == "gpu" || device.selector.backend == Backend::cuda) return pool::Kind::gpu;
  if (device.type == "custom") return pool::Kind::fpga;
  return pool::Kind::npu;
}

}  // namespace tflops::hal
