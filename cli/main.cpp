// SPDX-License-Identifier: GPL-2.0-or-later
// tflopsctl: the command line over the TFLOPS block pool. Dispatches to one subcommand and turns
// errors into exit statuses: 0 success, 2 a mistake the user can fix (bad usage, bad file),
// 1 anything else (a bug: the message says so).
#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "command_line.h"
#include "commands.h"
#include "tflops/pool/error.h"

namespace {

using tflops::cli::Args;

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  int (*run)(const Args&);
};

constexpr Subcommand kSubcommands[] = {
    {"pool", "show the pool's cards and block numbers, which are free and who holds the rest",
     tflops::cli::pool_command},
    {"simulate", "replay a scenario of submits and ends on the scheduler, step by step",
     tflops::cli::simulate_command},
    {"estimate", "the TFLOPS blocks a model needs, and the sbatch line that requests them",
     tflops::cli::estimate_command},
    {"devices", "this node's devices with measured FP32 TFLOPS, and its tflops.conf lines",
     tflops::cli::devices_command},
    {"metrics", "the running pool as Prometheus gauges (node_exporter textfile collector)",
     tflops::cli::metrics_command},
};

std::string top_usage() {
  std::string text =
      "usage: tflopsctl COMMAND [OPTIONS]\n"
      "       tflopsctl COMMAND --help\n"
      "\n"
      "Accounts accelerator compute in blocks of TFLOPS over mixed GPU, NPU and FPGA cards.\n"
      "\n"
      "Commands:\n";
  for (const auto& command : kSubcommands) {
    text += "  ";
    text += command.name;
    text.append(10 - command.name.size(), ' ');
    text += command.summary;
    text += "\n";
  }
  text +=
      "\n"
      "Options:\n"
      "  -h [ --help ]   show this help and exit\n"
      "  --version       show the version and exit\n";
  return text;
}

const Subcommand* find_subcommand(std::string_view name) {
  for (const auto& command : kSubcommands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

int usage_error(const std::string& message, const std::string& usage) {
  std::cerr << "tflopsctl: " << message << "\n\n" << usage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const Args words(argv + 1, argv + argc);
  if (words.empty()) return usage_error("missing command", top_usage());

  const std::string& first = words.front();
  if (first == "--help" || first == "-h" || first == "help") {
    // "tflopsctl help simulate" is the same as "tflopsctl simulate --help".
    if (first == "help" && words.size() > 1) {
      if (const auto* command = find_subcommand(words[1])) return command->run({"--help"});
      return usage_error("unknown command '" + words[1] + "'", top_usage());
    }
    std::cout << top_usage();
    return 0;
  }
  if (first == "--version") {
    std::cout << "tflopsctl " << TFLOPS_VERSION << "\n";
    return 0;
  }

  const Subcommand* command = find_subcommand(first);
  if (!command) {
    if (first.starts_with("-")) {
      return usage_error("unknown option '" + first + "'; options go after the command", top_usage());
    }
    return usage_error("unknown command '" + first + "'", top_usage());
  }

  try {
    return command->run(Args(words.begin() + 1, words.end()));
  } catch (const tflops::cli::UsageError& error) {
    return usage_error(std::string(command->name) + ": " + error.what(), error.usage());
  } catch (const tflops::pool::Error& error) {
    // The pool's messages are complete (file:line, the word, the fix): print them as they are.
    std::cerr << "tflopsctl " << command->name << ": " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "tflopsctl " << command->name << ": internal error: " << error.what()
              << " (please report this)\n";
    return 1;
  }
}
