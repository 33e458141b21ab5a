// SPDX-License-Identifier: GPL-2.0-or-later
#include "command_line.h"

#include <iostream>
#include <sstream>

namespace tflops::cli {

std::string usage_text(const CommandSyntax& syntax) {
  std::ostringstream out;
  out << "usage: " << syntax.synopsis << "\n";
  if (!syntax.summary.empty()) out << "\n" << syntax.summary << "\n";
  out << "\n" << syntax.options;
  if (!syntax.epilog.empty()) out << "\n" << syntax.epilog;
  return out.str();
}

std::optional<po::variables_map> parse_command_line(const std::vector<std::string>& args,
                                                    CommandSyntax& syntax) {
  if (!syntax.options.find_nothrow("help", false)) {
    syntax.options.add_options()("help,h", "show this help and exit");
  }
  po::options_description all;
  all.add(syntax.options).add(syntax.positionals);

  po::variables_map values;
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(syntax.positional)
                  // No abbreviations: "--st" silently meaning "--state" would surprise scripts.
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              values);
    // --help wins over a missing required option, so that "tflopsctl pool --help" works.
    if (values.count("help")) {
      std::cout << usage_text(syntax);
      return std::nullopt;
    }
    po::notify(values);
  } catch (const po::too_many_positional_options_error&) {
    throw UsageError("too many arguments", usage_text(syntax));
  } catch (const po::error& error) {
    throw UsageError(error.what(), usage_text(syntax));
  }
  return values;
}

}  // namespace tflops::cli
