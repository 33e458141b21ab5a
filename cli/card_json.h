// SPDX-License-Identifier: GPL-2.0-or-later
// One card of `tflopsctl pool --json`, planned or live: name, kind, device, TFLOPS, its pool-wide
// and node-local blocks, and `used`, the runs the caller lists.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "tflops/pool/layout.h"

namespace tflops::cli {

nlohmann::json card_json(const pool::Layout& layout, std::uint32_t node, const pool::CardLayout& card,
                         nlohmann::json used);

}  // namespace tflops::cli
