// SPDX-License-Identifier: GPL-2.0-or-later
// tflops' Communicator over Python buffers: the host all-reduce (allreduce.h) on numpy arrays
// and on torch CPU tensors through tensor.numpy(), with its failure detection.
#include <mpi.h>

#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.h"
#include "tflops/mpi/allreduce.h"
#include "tflops/mpi/communicator.h"
#include "tflops/mpi/dtype.h"

namespace py = pybind11;

namespace tflops::python {

namespace {

// A Communicator on MPI_COMM_WORLD. Outlives MPI_Finalize safely: a Python object may be
// collected after the atexit handler finalised MPI, when freeing MPI objects is no longer allowed.
class WorldCommunicator {
 public:
  WorldCommunicator()
      : comm_(std::make_unique<mpi::Communicator>(MPI_COMM_WORLD)), tuning_(mpi::tuning_from_environment()) {}
  ~WorldCommunicator() {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (finalised) (void)comm_.release();
  }
  mpi::Communicator& get() { return *comm_; }
  const mpi::Tuning& tuning() const { return tuning_; }

 private:
  std::unique_ptr<mpi::Communicator> comm_;
  mpi::Tuning tuning_;
};

struct Elements {
  void* data = nullptr;
  std::size_t count = 0;
  mpi::DType type = mpi::DType::f32;
};

// The buffer's elements: contiguous and writable. Its format gives the type (float32, float64,
// float16); bfloat16 has no buffer format, so its 16-bit words come with dtype="bfloat16".
Elements elements_of(const py::buffer_info& info, const std::optional<std::string>& dtype) {
  if (info.readonly)
    throw std::invalid_argument("the buffer is read-only; the all-reduce writes its result into it");
  py::ssize_t expected = info.itemsize;
  for (py::ssize_t d = info.ndim - 1; d >= 0; --d) {
    if (info.shape[d] > 1 && info.strides[d] != expected) {
      throw std::invalid_argument(
          "the buffer is not contiguous; pass a contiguous copy (numpy.ascontiguousarray, "
          "tensor.contiguous())");
    }
    expected *= info.shape[d];
  }
  Elements out;
  out.data = info.ptr;
  out.count = static_cast<std::size_t>(info.size);
  if (dtype) {
    const std::optional<mpi::DType> parsed = mpi::parse_dtype(*dtype);
    if (!parsed)
      throw std::invalid_argument("dtype '" + *dtype + "' is not one of float32, float64, float16, bfloat16");
    if (static_cast<std::size_t>(info.itemsize) != mpi::dtype_size(*parsed)) {
      throw std::invalid_argument("dtype " + *dtype + " has " + std::to_string(mpi::dtype_size(*parsed)) +
                                  "-byte elements but the buffer's have " + std::to_string(info.itemsize));
    }
    out.type = *parsed;
    return out;
  }
  if (info.format == "f") out.type = mpi::DType::f32;
  else if (info.format == "d") out.type = mpi::DType::f64;
  else if (info.format == "e") out.type = mpi::DType::f16;
  else {
    throw std::invalid_argument(
        "buffer format '" + info.format + "' is not float32, float64 or float16; " +
        "for bfloat16 pass its 16-bit words (tensor.view(torch.int16)) with dtype='bfloat16'");
  }
  return out;
}

// out[i] = weight * in[i], rounded to the element type as torch's own scaling would.
void scale_into(mpi::DType type, void* out, const void* in, std::size_t count, double weight) {
  const auto w = static_cast<float>(weight);
  switch (type) {
    case mpi::DType::f32: {
      auto* o = static_cast<float*>(out);
      const auto* i = static_cast<const float*>(in);
      for (std::size_t k = 0; k < count; ++k) o[k] = w * i[k];
      break;
    }
    case mpi::DType::f64: {
      auto* o = static_cast<double*>(out);
      const auto* i = static_cast<const double*>(in);
      for (std::size_t k = 0; k < count; ++k) o[k] = weight * i[k];
      break;
    }
    case mpi::DType::f16:
    case mpi::DType::bf16: {
      const bool half = type == mpi::DType::f16;
      auto* o = static_cast<std::uint16_t*>(out);
      const auto* i = static_cast<const std::uint16_t*>(in);
      for (std::size_t k = 0; k < count; ++k) {
        const float x = half ? mpi::half_to_float(i[k]) : mpi::bfloat16_to_float(i[k]);
        o[k] = half ? mpi::float_to_half(w * x) : mpi::float_to_bfloat16(w * x);
      }
      break;
    }
  }
}

void allreduce(WorldCommunicator& self, const py::buffer& buffer, const std::optional<std::string>& dtype) {
  const py::buffer_info info = buffer.request(true);
  const Elements e = elements_of(info, dtype);
  py::gil_scoped_release unlocked;
  mpi::allreduce_sum(self.get(), e.data, e.count, e.type, mpi::Algorithm::automatic, self.tuning());
}

// sum over ranks of weight_i * buffer_i, into every rank's buffer. The scaled copy goes into the
// communicator's node buffer, which the shared-memory all-reduce reads in place: the scaling
// pass is the staging copy the all-reduce would make anyway. Collective, same size on every rank.
void weighted_allreduce(WorldCommunicator& self, const py::buffer& buffer, double weight,
                        const std::optional<std::string>& dtype) {
  const py::buffer_info info = buffer.request(true);
  const Elements e = elements_of(info, dtype);
  py::gil_scoped_release unlocked;
  const std::size_t bytes = e.count * mpi::dtype_size(e.type);
  std::byte* staged = self.get().node_buffer(bytes);
  scale_into(e.type, staged, e.data, e.count, weight);
  mpi::allreduce_sum(self.get(), staged, e.count, e.type, mpi::Algorithm::automatic, self.tuning());
  std::memcpy(e.data, staged, bytes);
}

// Every rank's value, in rank order, through the all-reduce (so under its failure detection).
std::vector<double> allgather(WorldCommunicator& self, double value) {
  std::vector<double> all(static_cast<std::size_t>(self.get().size()), 0.0);
  all[static_cast<std::size_t>(self.get().rank())] = value;
  py::gil_scoped_release unlocked;
  mpi::allreduce_sum(self.get(), all.data(), all.size(), mpi::DType::f64, mpi::Algorithm::automatic,
                     self.tuning());
  return all;
}

py::bytes broadcast(WorldCommunicator& self, const std::string& data, int root) {
  mpi::Communicator& comm = self.get();
  if (root < 0 || root >= comm.size()) {
    throw std::invalid_argument("root " + std::to_string(root) + " is not a rank of " +
                                std::to_string(comm.size()));
  }
  std::string out = data;
  {
    py::gil_scoped_release unlocked;
    long long length = static_cast<long long>(out.size());
    mpi::check_mpi(MPI_Bcast(&length, 1, MPI_LONG_LONG, root, comm.get()), "MPI_Bcast of a length");
    out.resize(static_cast<std::size_t>(length));
    mpi::check_mpi(MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, root, comm.get()), "MPI_Bcast");
  }
  return py::bytes(out);
}

}  // namespace

void bind_communicator(py::module_& m) {
  py::class_<WorldCommunicator>(
      m, "Communicator",
      "tflops' communicator on MPI_COMM_WORLD (needs init_mpi() first); waits "
      "raise RankFailure after $TFLOPS_MPI_TIMEOUT s (default 120) without progress")
      .def(py::init<>())
      .def_property_readonly("rank", [](WorldCommunicator& self) { return self.get().rank(); })
      .def_property_readonly("size", [](WorldCommunicator& self) { return self.get().size(); })
      .def_property_readonly("timeout", [](WorldCommunicator& self) { return self.get().timeout(); })
      .def("allreduce", &allreduce, py::arg("buffer"), py::arg("dtype") = py::none(),
           "Sums a contiguous float buffer over all ranks, in place")
      .def("weighted_allreduce", &weighted_allreduce, py::arg("buffer"), py::arg("weight"),
           py::arg("dtype") = py::none(), "buffer <- sum over ranks of weight * buffer, in place")
      .def("allgather", &allgather, py::arg("value"), "Every rank's float, in rank order")
      .def("broadcast", &broadcast, py::arg("data"), py::arg("root") = 0, "Rank root's bytes, on every rank");
}

}  // namespace tflops::python
