// SPDX-License-Identifier: GPL-2.0-or-later
// batch_split.h's arithmetic: every rank computes the same shares from the same speeds.
#include <vector>

#include "bindings.h"
#include "tflops/mpi/batch_split.h"

namespace py = pybind11;

namespace tflops::python {

void bind_batch_split(py::module_& m) {
  m.def(
      "split_batch",
      [](std::size_t global_batch, const std::vector<double>& weights) {
        return mpi::split_batch(global_batch, weights);
      },
      py::arg("global_batch"), py::arg("weights"),
      "Shares of a global batch proportional to the weights, each at least 1, summing to global_batch");
}

}  // namespace tflops::python
