// SPDX-License-Identifier: GPL-2.0-or-later
// A rank's share of the job's blocks, as libtflops_mpi's bind_virtual_card computes it
// (binding.h, rank_share.h), without opening a virtual card: under PyTorch the model lives in
// torch's tensors, so Python only needs to know which cards (and which CUDA device) the rank holds.
#include <mpi.h>

#include <string>

#include "bindings.h"
#include "tflops/hal/allocation.h"
#include "tflops/hal/device.h"
#include "tflops/mpi/binding.h"

namespace py = pybind11;

namespace tflops::python {

namespace {

// The node's allocation: the explicit card list, or the job's (at start, or as it is after a
// suspension, when the blocks may have moved).
hal::Allocation node_allocation(const std::string& card_list, bool resuming) {
  if (!card_list.empty()) return hal::parse_card_list(card_list, hal::process_env());
  return resuming ? hal::resumed_allocation() : hal::current_allocation();
}

class RankBinding {
 public:
  // Collective over MPI_COMM_WORLD (the local-rank split).
  explicit RankBinding(std::string card_list) : card_list_(std::move(card_list)) {
    local_ = mpi::local_rank(MPI_COMM_WORLD);
    allocation_ = mpi::rank_allocation(node_allocation(card_list_, false), local_);
  }
  // After a suspension: this rank's share of the blocks the job holds now. Not collective.
  const hal::Allocation& rebind() {
    allocation_ = mpi::rank_allocation(node_allocation(card_list_, true), local_);
    return allocation_;
  }
  const hal::Allocation& allocation() const { return allocation_; }
  mpi::LocalRank local() const { return local_; }

 private:
  std::string card_list_;
  mpi::LocalRank local_;
  hal::Allocation allocation_;
};

}  // namespace

void bind_allocation(py::module_& m) {
  py::class_<hal::CardAlloc>(m, "Card", "One card of an allocation and the backend device that drives it")
      .def_property_readonly("kind",
                             [](const hal::CardAlloc& c) { return std::string(pool::kind_name(c.kind)); })
      .def_readonly("name", &hal::CardAlloc::name)
      .def_readonly("device", &hal::CardAlloc::device)
      .def_readonly("blocks", &hal::CardAlloc::blocks)
      .def_property_readonly("share", &hal::CardAlloc::share)
      .def_property_readonly(
          "backend",
          [](const hal::CardAlloc& c) { return std::string(hal::backend_name(c.selector.backend)); })
      .def_property_readonly("index", [](const hal::CardAlloc& c) { return c.selector.index; })
      .def("__repr__", [](const hal::CardAlloc& c) {
        return "<Card " + c.name + ": " + std::to_string(c.blocks.size()) + " blocks on " +
               hal::format_selector(c.selector) + ">";
      });
  py::class_<hal::Allocation>(m, "Allocation", "The blocks a rank holds, card by card")
      .def_readonly("node", &hal::Allocation::node)
      .def_readonly("source", &hal::Allocation::source)
      .def_readonly("cards", &hal::Allocation::cards)
      .def_property_readonly("blocks", &hal::Allocation::blocks)
      .def("__str__", &hal::format_card_list);
  py::class_<RankBinding>(m, "RankBinding",
                          "This rank's share of its node's blocks (binding.h); card_list='' reads the job's "
                          "allocation from the environment. Collective over MPI_COMM_WORLD.")
      .def(py::init<std::string>(), py::arg("card_list") = "")
      .def_property_readonly("allocation", &RankBinding::allocation)
      .def_property_readonly("local_rank", [](const RankBinding& b) { return b.local().rank; })
      .def_property_readonly("local_size", [](const RankBinding& b) { return b.local().size; })
      .def("rebind", &RankBinding::rebind, py::return_value_policy::copy,
           "After a suspension: the rank's share of the blocks the job holds now");
  m.def("usable_cpus", &hal::usable_cpus, "The CPUs this process may run on");
}

}  // namespace tflops::python
