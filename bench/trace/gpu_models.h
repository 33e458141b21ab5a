// SPDX-License-Identifier: GPL-2.0-or-later
// TFLOPS per GPU model: what one card of each model is worth in the block pool.
//
// Public models take their FP32 peak (P100 9.3, T4 8.1, V100 16/32 GB 15.7, A10 31.2).
// Alibaba does not disclose G1-G3; we assume V100-class 15.7 for each (the most common
// figure among the trace's disclosed 8-card models) and the evaluation shows how the result
// moves when that figure changes (--g-tflops).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace tflops::trace {

using ModelTflops = std::map<std::string, double, std::less<>>;

inline constexpr double kAssumedUndisclosedTflops = 15.7;

// The table above, with `undisclosed_tflops` for G1, G2 and G3.
ModelTflops default_model_tflops(double undisclosed_tflops = kAssumedUndisclosedTflops);

// Applies "MODEL=TFLOPS" to the table (adds or replaces). Throws pool::Error for anything else.
void set_model_tflops(ModelTflops& table, std::string_view assignment);

}  // namespace tflops::trace
