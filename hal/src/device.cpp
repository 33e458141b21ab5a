// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/hal/device.h"

#include <sched.h>

#include <charconv>

#include "backend.h"
#include "tflops/hal/error.h"
#include "tflops/pool/words.h"

namespace tflops::hal {

std::string_view backend_name(Backend backend) {
  switch (backend) {
    case Backend::host: return "host";
    case Backend::opencl: return "opencl";
    case Backend::cuda: return "cuda";
  }
  return "?";
}

std::optional<Backend> parse_backend(std::string_view word) {
  const std::string lower = pool::to_lower(word);
  for (Backend b : {Backend::host, Backend::opencl, Backend::cuda})
    if (lower == backend_name(b)) return b;
  return std::nullopt;
}

std::string format_selector(const DeviceSelector& selector) {
  if (selector.backend == Backend::host) return "host";
  return std::string(backend_name(selector.backend)) + ":" + std::to_string(selector.index);
}

DeviceSelector parse_selector(std::string_view text) {
  const auto bad = [&] {
    return Error("bad device selector '" + std::string(text) +
                 "': use host, opencl:I or cuda:I (I = the device's index in that backend, "
                 "see `tflopsctl devices`)");
  };
  const std::size_t colon = text.find(':');
  const auto backend = parse_backend(text.substr(0, colon));
  if (!backend) throw bad();
  DeviceSelector selector{*backend, 0};
  if (colon == std::string_view::npos) return selector;
  const std::string_view index = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), selector.index);
  if (ec != std::errc() || end != index.data() + index.size() || selector.index < 0) throw bad();
  if (selector.backend == Backend::host && selector.index != 0) throw bad();
  return selector;
}

std::vector<DeviceInfo> list_devices() {
  std::vector<DeviceInfo> all;
  for (const detail::BackendOps& backend : detail::compiled_backends()) {
    std::vector<DeviceInfo> devices = backend.list();
    all.insert(all.end(), devices.begin(), devices.end());
  }
  return all;
}

std::vector<int> usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

}  // namespace tflops::hal
