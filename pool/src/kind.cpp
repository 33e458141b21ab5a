// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/kind.h"

#include "tflops/pool/words.h"

namespace tflops::pool {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::gpu: return "gpu";
    case Kind::npu: return "npu";
    case Kind::fpga: return "fpga";
  }
  return "?";
}

std::optional<Kind> parse_kind(std::string_view word) {
  const std::string lower = to_lower(word);
  for (Kind kind : kAllKinds) {
    if (lower == kind_name(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace tflops::pool
