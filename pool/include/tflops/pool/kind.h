// SPDX-License-Identifier: GPL-2.0-or-later
// Card kinds. Each kind gets one region of contiguous blocks per node.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tflops::pool {

enum class Kind : std::uint8_t { gpu, npu, fpga };

inline constexpr std::size_t kKindCount = 3;
inline constexpr std::array<Kind, kKindCount> kAllKinds = {Kind::gpu, Kind::npu, Kind::fpga};

std::string_view kind_name(Kind kind);

// Case-insensitive; nullopt for anything but gpu, npu, fpga.
std::optional<Kind> parse_kind(std::string_view word);

}  // namespace tflops::pool
