// SPDX-License-Identifier: GPL-2.0-or-later
// Errors a user or an admin can cause: a bad inventory line, a bad request, an unknown job.
// The message is complete on its own (where, what, and the fix), so callers print what().
#pragma once

#include <stdexcept>
#include <string>

namespace tflops::pool {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace tflops::pool
