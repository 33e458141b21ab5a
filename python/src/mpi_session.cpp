// SPDX-License-Identifier: GPL-2.0-or-later
// MPI for a Python process: initialised once, by whoever comes first (this module, torch's own
// ProcessGroupMPI, mpi4py), finalised at exit only by whoever initialised it.
#include <dlfcn.h>
#include <mpi.h>

#include <string>

#include "bindings.h"
#include "tflops/hal/error.h"

namespace py = pybind11;

namespace tflops::python {

namespace {

bool we_initialised = false;

// Python loads extension modules with RTLD_LOCAL, so libmpi's symbols are not global; Open MPI's
// components (dlopen'd by MPI_Init) need them and would fail with "undefined symbol". mpi4py
// does the same: load libmpi again, globally.
void make_libmpi_global() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) != 0 && info.dli_fname != nullptr) {
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  }
}

const char* thread_level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    default: return "MPI_THREAD_MULTIPLE";
  }
}

// Returns true when this call initialised MPI. The collectives run on whichever thread torch
// calls the communication hook from, one at a time: MPI_THREAD_SERIALIZED at least.
bool init() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (finalised) throw hal::Error("MPI was finalised already in this process; tflops cannot use it again");
  int provided = MPI_THREAD_SINGLE;
  if (!initialised) {
    make_libmpi_global();
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
      throw hal::Error("MPI_Init_thread failed: start the program with mpirun -n N or srun");
    }
    we_initialised = true;
  } else {
    MPI_Query_thread(&provided);
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    throw hal::Error(
        std::string("MPI was initialised with ") + thread_level_name(provided) +
        "; tflops needs MPI_THREAD_SERIALIZED or more: let tflops initialise MPI, or ask for " +
        "that level where the program initialises it (mpi4py: mpi4py.rc.thread_level = 'serialized')");
  }
  return we_initialised;
}

void finalize() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (we_initialised && !finalised) MPI_Finalize();
}

}  // namespace

void bind_mpi_session(py::module_& m) {
  m.def("init_mpi", &init,
        "Initialises MPI (at least MPI_THREAD_SERIALIZED) unless someone has; "
        "returns True when this call did");
  m.def("finalize_mpi", &finalize, "Finalises MPI when init_mpi() initialised it");
  m.def(
      "abort", [](int code) { MPI_Abort(MPI_COMM_WORLD, code); }, py::arg("code") = 1,
      "Ends every rank of the job (MPI_Abort): for an error no rank can recover from");
  m.def("world_rank_and_size", [] {
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return py::make_tuple(rank, size);
  });
}

}  // namespace tflops::python
