// SPDX-License-Identifier: GPL-2.0-or-later
// Option parsing shared by the subcommands, so that every one of them answers --help the same
// way and reports a bad option together with its usage.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace tflops::cli {

namespace po = boost::program_options;

// A mistake in how a command was called. main prints the message, then the usage, and exits 2.
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, std::string usage)
      : std::runtime_error(message), usage_(std::move(usage)) {}
  const std::string& usage() const { return usage_; }

 private:
  std::string usage_;
};

struct CommandSyntax {
  std::string synopsis;                              // "tflopsctl pool --conf FILE [--json] [--state FILE]"
  std::string summary;                               // what the command does, a few lines
  po::options_description options{"Options"};        // shown in --help; --help is added for you
  po::options_description positionals{"Arguments"};  // bound by `positional`, not shown as options
  po::positional_options_description positional;
  std::string epilog;  // shown after the options: file formats, examples
};

std::string usage_text(const CommandSyntax& syntax);

// Parses `args`. Prints the usage to stdout and returns nullopt when --help is among them;
// throws UsageError for an unknown or malformed option, a missing required one, or a stray word.
std::optional<po::variables_map> parse_command_line(const std::vector<std::string>& args,
                                                    CommandSyntax& syntax);

}  // namespace tflops::cli
