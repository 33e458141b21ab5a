// SPDX-License-Identifier: GPL-2.0-or-later
// The word handling shared by the Slurm-style text files tflops reads (the card inventory,
// scenarios, state): keys compare case-insensitively and words are separated by blanks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tflops::pool {

std::string to_lower(std::string_view text);

// The blank-separated words of a line, in order (views into `line`).
std::vector<std::string_view> split_words(std::string_view line);

}  // namespace tflops::pool
