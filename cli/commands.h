// SPDX-License-Identifier: GPL-2.0-or-later
// The tflopsctl subcommands. Each takes the words after its name and returns the exit status.
// Mistakes in how a command is called are thrown as UsageError (main prints the usage, exit 2);
// mistakes in the files it reads are thrown as tflops::pool::Error (main prints them, exit 2).
#pragma once

#include <string>
#include <vector>

namespace tflops::cli {

using Args = std::vector<std::string>;

int pool_command(const Args& args);
int simulate_command(const Args& args);
int estimate_command(const Args& args);
int devices_command(const Args& args);
int metrics_command(const Args& args);

}  // namespace tflops::cli
