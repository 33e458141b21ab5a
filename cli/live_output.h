// SPDX-License-Identifier: GPL-2.0-or-later
// `tflopsctl pool --live` output: the same table and JSON as `tflopsctl pool`, filled from the
// running cluster, plus the jobs that hold blocks (running, and suspended with what they held).
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "live_view.h"

namespace tflops::cli {

void print_live_table(const LiveView& view, std::ostream& out);
nlohmann::ordered_json live_json(const LiveView& view);

}  // namespace tflops::cli
