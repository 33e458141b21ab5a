// SPDX-License-Identifier: GPL-2.0-or-later
// The text forms of the allocation: Slurm-style block ranges and `kind:name:device:blocks`
// card entries (gres/tflops' SLURM_TFLOPS_CARDS / _LAYOUT, and the explicit card list).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflops/hal/device.h"

namespace tflops::hal::detail {

// "0-8,10" -> {0..8, 10}, sorted and unique. `what` names the source in errors
// ("SLURM_TFLOPS_BLOCKS").
std::vector<std::uint32_t> parse_ranges(std::string_view text, const std::string& what);
std::string format_ranges(const std::vector<std::uint32_t>& sorted);

struct CardEntry {
  std::string kind, name, device;
  std::vector<std::uint32_t> blocks;
  std::uint32_t total = 0;                 // `/N` (card lists only)
  std::optional<DeviceSelector> selector;  // `=SELECTOR` (card lists only)
};

// Splits a card-entry list. `extras` allows the card-list additions (/N and =SELECTOR).
std::vector<CardEntry> parse_card_entries(std::string_view text, const std::string& what, bool extras);

}  // namespace tflops::hal::detail
