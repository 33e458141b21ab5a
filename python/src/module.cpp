// SPDX-License-Identifier: GPL-2.0-or-later
// tflops._native: libtflops_mpi for Python. The exceptions a user can act on get their own
// Python classes; std::invalid_argument (bad arguments) arrives as ValueError.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "tflops/hal/error.h"
#include "tflops/mpi/communicator.h"

namespace py = pybind11;

PYBIND11_MODULE(_native, m) {
  m.doc() = "tflops' MPI runtime (libtflops_mpi): rank binding, batch shares, all-reduce, suspension";
  // hal::Error: input a user can fix (no allocation, a malformed card list, too few blocks).
  static py::exception<tflops::hal::Error> tflops_error(m, "TflopsError", PyExc_RuntimeError);
  // A peer died, hung or stopped taking part; the communicator is unusable afterwards.
  static py::exception<tflops::mpi::RankFailure> rank_failure(m, "RankFailure", tflops_error.ptr());
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const tflops::mpi::RankFailure& e) {
      py::object error = py::handle(rank_failure.ptr())(e.what());
      error.attr("suspects") = py::cast(e.suspects());
      PyErr_SetObject(rank_failure.ptr(), error.ptr());
    } catch (const tflops::hal::Error& e) {
      // PyErr_SetString rather than tflops_error(...): pybind11 2.12 (Debian 13) deprecates that call
      // in favour of py::set_error, which 2.10 (Debian 12) lacks; this one builds with both.
      PyErr_SetString(tflops_error.ptr(), e.what());
    }
  });
  tflops::python::bind_mpi_session(m);
  tflops::python::bind_communicator(m);
  tflops::python::bind_allocation(m);
  tflops::python::bind_batch_split(m);
  tflops::python::bind_suspend_point(m);
}
