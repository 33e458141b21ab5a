// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/tuning.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tflops::mpi {

namespace {

std::size_t positive_from_environment(const char* name, std::size_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value == 0 || text[0] == '-') {
    throw std::invalid_argument(std::string(name) + "='" + text +
                                "' is not a positive whole number; unset it or give e.g. " + name + "=" +
                                std::to_string(fallback));
  }
  return static_cast<std::size_t>(value);
}

Tuning::Pipeline pipeline_from_environment(Tuning::Pipeline fallback) {
  const char* text = std::getenv("TFLOPS_ALLREDUCE_PIPELINE");
  if (text == nullptr || *text == '\0') return fallback;
  const std::string_view value(text);
  if (value == "auto") return Tuning::Pipeline::automatic;
  if (value == "always") return Tuning::Pipeline::always;
  if (value == "never") return Tuning::Pipeline::never;
  throw std::invalid_argument(std::string("TFLOPS_ALLREDUCE_PIPELINE='") + text +
                              "' is not one of auto, always, never; unset it for auto");
}

// The last-level cache cpu0 shares, from sysfs ("32768K"); 0 when not known. Not
// sysconf(_SC_LEVEL3_CACHE_SIZE): in a VM on an EPYC it gave the whole package's 256 MiB where
// the vCPUs share a chiplet's 32 MiB.
std::size_t last_level_cache_bytes() {
  std::size_t largest = 0;
  for (int index = 0; index < 8; ++index) {
    std::ifstream size_file("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    std::size_t size = 0;
    std::string unit;
    if (!(size_file >> size)) continue;
    size_file >> unit;
    size *= unit == "K" ? 1024 : unit == "M" ? 1024 * 1024 : 1;
    largest = std::max(largest, size);
  }
  return largest;
}

}  // namespace

std::size_t default_streaming_bytes() {
  static const std::size_t bytes = [] {  // read once: every Tuning{} asks
    const std::size_t cache = last_level_cache_bytes();
    return cache > 0 ? cache / 4 : std::size_t{8} << 20;
  }();
  return bytes;
}

Tuning tuning_from_environment() {
  Tuning tuning;
  tuning.small_bytes = positive_from_environment("TFLOPS_ALLREDUCE_SMALL_BYTES", tuning.small_bytes);
  tuning.chunk_bytes = positive_from_environment("TFLOPS_ALLREDUCE_CHUNK_BYTES", tuning.chunk_bytes);
  tuning.eager_bytes = positive_from_environment("TFLOPS_ALLREDUCE_EAGER_BYTES", tuning.eager_bytes);
  tuning.pipeline = pipeline_from_environment(tuning.pipeline);
  tuning.streaming_bytes = positive_from_environment("TFLOPS_ALLREDUCE_STREAMING_BYTES",
                                                     tuning.streaming_bytes);
  tuning.pipeline_bytes = positive_from_environment("TFLOPS_ALLREDUCE_PIPELINE_BYTES", tuning.pipeline_bytes);
  tuning.window = static_cast<int>(
      positive_from_environment("TFLOPS_ALLREDUCE_WINDOW", static_cast<std::size_t>(tuning.window)));
  return tuning;
}

}  // namespace tflops::mpi
