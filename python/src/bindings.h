// SPDX-License-Identifier: GPL-2.0-or-later
// The parts of the native module tflops._native, one file each, registered by module.cpp.
// None includes torch: the module reaches tensors through the buffer protocol (numpy arrays,
// tensor.numpy()), so one build serves every torch version.
#pragma once

#include <pybind11/pybind11.h>
// Every file sees the same conversions (a type converted differently in two files breaks the ODR).
#include <pybind11/stl.h>

namespace tflops::python {

void bind_mpi_session(pybind11::module_& m);    // MPI init, finalize, abort
void bind_communicator(pybind11::module_& m);   // Communicator and its all-reduce over buffers
void bind_allocation(pybind11::module_& m);     // the rank's share of the job's blocks
void bind_batch_split(pybind11::module_& m);    // batch shares proportional to TFLOPS
void bind_suspend_point(pybind11::module_& m);  // SIGTSTP/SIGCONT at step boundaries

}  // namespace tflops::python
