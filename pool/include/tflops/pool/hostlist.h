// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm host lists: "node[0-3]", "node[00-15,20]", "a,b", "rack[0-1]n[0-3]".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tflops::pool {

// Expands a host list in order. Throws Error (without file context) on a malformed list:
// unbalanced brackets, an empty or reversed range, a non-numeric range bound, or more than
// 2^20 names or 16 MiB of them.
std::vector<std::string> expand_hostlist(std::string_view list);

// The characters of `names` together.
std::size_t total_length(const std::vector<std::string>& names);

}  // namespace tflops::pool
