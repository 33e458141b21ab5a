// SPDX-License-Identifier: GPL-2.0-or-later
// Plain-text tables with aligned columns, for output a person reads in a terminal.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace tflops::cli {

// A number as a person writes it: 9, 0.5, 1e+06 (the shortest form of std::ostream).
std::string format_number(double value);

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

  // Missing cells print empty; extra cells are an error in the caller, and are dropped.
  void add_row(std::vector<std::string> cells);

  // Every line starts with `indent`. Columns are two spaces apart; the last one is not padded,
  // so that lines carry no trailing blanks.
  void print(std::ostream& out, const std::string& indent = "") const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace tflops::cli
