#include "tflops/pool/kind.h"

#include <algorithm>
#include <cctype>
#include <string>

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
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (Kind kind : kAllKinds) {
    if (lower == kind_name(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace tflops::pool
