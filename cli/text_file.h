// SPDX-License-Identifier: GPL-2.0-or-later
// Whole-file reads and writes whose failures are user errors (tflops::pool::Error) naming the
// file, what it was for, and the system's reason.
#pragma once

#include <string>
#include <string_view>

namespace tflops::cli {

// `what` says what the file is for in the message: "scenario", "state file".
std::string read_text_file(const std::string& path, std::string_view what);
void write_text_file(const std::string& path, std::string_view text, std::string_view what);

}  // namespace tflops::cli
