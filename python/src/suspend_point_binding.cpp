// SPDX-License-Identifier: GPL-2.0-or-later
// SuspendPoint for Python: the signal handlers are C++'s (Python's own would run only between
// bytecodes of the main thread); the callbacks that move a model off and back onto its card are
// Python's. The wait for SIGCONT runs without the GIL.
#include <functional>

#include "bindings.h"
#include "tflops/mpi/suspend_point.h"

namespace py = pybind11;

namespace tflops::python {

void bind_suspend_point(py::module_& m) {
  m.attr("LAUNCHER_SIGNALS_HINT") = mpi::kLauncherSignalsHint;
  py::class_<mpi::SuspendPoint>(
      m, "SuspendPoint", "Records SIGTSTP/SIGCONT (Slurm suspend/resume) for honour() at a step boundary")
      .def(py::init<>())
      .def("pending", &mpi::SuspendPoint::pending)
      .def(
          "honour",
          [](mpi::SuspendPoint& self, const py::function& release, const py::function& retake) {
            auto call = [](const py::function& f) {
              return [&f] {
                py::gil_scoped_acquire locked;
                f();
              };
            };
            py::gil_scoped_release unlocked;
            return self.honour(call(release), call(retake));
          },
          py::arg("release"), py::arg("retake"),
          "When a suspension is pending: release(), wait for SIGCONT, retake(); returns True then")
      .def_property_readonly("suspensions", &mpi::SuspendPoint::suspensions)
      .def_property_readonly("unwarned", &mpi::SuspendPoint::unwarned)
      .def_property_readonly("late", &mpi::SuspendPoint::late);
}

}  // namespace tflops::python
