// SPDX-License-Identifier: GPL-2.0-or-later
#include "gpu_models.h"

#include <string>

#include "tflops/pool/error.h"

namespace tflops::trace {

ModelTflops default_model_tflops(double undisclosed_tflops) {
  return {{"P100", 9.3},
          {"T4", 8.1},
          {"V100M16", 15.7},
          {"V100M32", 15.7},
          {"A10", 31.2},
          {"G1", undisclosed_tflops},
          {"G2", undisclosed_tflops},
          {"G3", undisclosed_tflops}};
}

void set_model_tflops(ModelTflops& table, std::string_view assignment) {
  auto eq = assignment.find('=');
  double value = 0;
  if (eq != std::string_view::npos && eq > 0) {
    std::string number(assignment.substr(eq + 1));
    try {
      std::size_t used = 0;
      value = std::stod(number, &used);
      if (used != number.size()) value = 0;
    } catch (const std::exception&) {
      value = 0;
    }
  }
  if (!(value > 0)) {
    throw pool::Error("model TFLOPS '" + std::string(assignment) +
                      "' is not MODEL=TFLOPS with a positive number, e.g. G2=19.5");
  }
  table[std::string(assignment.substr(0, eq))] = value;
}

}  // namespace tflops::trace
