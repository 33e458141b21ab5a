// Slurm host lists: "node[0-3]", "node[00-15,20]", "a,b", "rack[0-1]n[0-3]".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tflops::pool {

// Expands a host list in order. Throws Error (without file context) on a malformed list:
// unbalanced brackets, an empty or reversed range, a non-numeric range bound.
std::vector<std::string> expand_hostlist(std::string_view list);

}  // namespace tflops::pool
