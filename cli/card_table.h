// SPDX-License-Identifier: GPL-2.0-or-later
// The card table `tflopsctl pool` prints, planned or live: one row per card with its node-local
// and pool-wide block numbers and a STATE column the caller fills in.
#pragma once

#include <functional>
#include <string>

#include "text_table.h"
#include "tflops/pool/layout.h"

namespace tflops::cli {

TextTable card_table(const pool::Layout& layout,
                     const std::function<std::string(const pool::CardLayout&)>& state);

}  // namespace tflops::cli
