// SPDX-License-Identifier: GPL-2.0-or-later
// tflops' Communicator over Python buffers: the host all-reduce (allreduce.h) on numpy arrays
// and on torch CPU tensors through tensor.numpy(), with its failure detection; the plan
// choose_allreduce (allreduce_plan.h) makes for a PyTorch bucket, host or CUDA; and NCCL
// (nccl_allreduce.h) on a CUDA bucket's device memory, which arrives as its address (data_ptr),
// since the module includes no torch header.
#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "tflops/mpi/allreduce.h"
#include "tflops/mpi/communicator.h"
#include "tflops/mpi/dtype.h"
#include "tflops/mpi/nccl_allreduce.h"

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
    if (finalised) {
      (void)comm_.release();
      (void)nccl_.release();
    }
  }
  mpi::Communicator& get() { return *comm_; }
  const mpi::Tuning& tuning() const { return tuning_; }

  // Whether every rank's buckets are on CUDA and every rank can run NCCL. Collective the first
  // time, which every rank reaches at its first bucket whatever its device; kept afterwards, as
  // DDP keeps a model's buckets on one device.
  std::pair<bool, bool> every_rank_cuda_and_nccl(bool mine_cuda) {
    if (!agreed_) {  // how many ranks are on CUDA, how many can run NCCL; under the watchdog
      float counts[2] = {mine_cuda ? 1.0f : 0.0f, mpi::nccl_usable() ? 1.0f : 0.0f};
      mpi::allreduce_sum(*comm_, counts, 2, mpi::DType::f32, mpi::Algorithm::automatic, tuning_);
      const auto ranks = static_cast<float>(comm_->size());
      agreed_ = std::make_pair(counts[0] == ranks, counts[1] == ranks);
    }
    return *agreed_;
  }
  // The NCCL communicator on CUDA device `device`; made (collectively) on the first call.
  mpi::NcclComm& nccl(int device) {
    if (!nccl_) {
      nccl_ = std::make_unique<mpi::NcclComm>(*comm_, device);
      nccl_device_ = device;
    } else if (device != nccl_device_) {
      throw std::invalid_argument("this rank's NCCL communicator is on CUDA device " +
                                  std::to_string(nccl_device_) + ", not " + std::to_string(device) +
                                  ": keep a rank's buckets on one device");
    }
    return *nccl_;
  }

 private:
  std::unique_ptr<mpi::Communicator> comm_;
  mpi::Tuning tuning_;
  std::optional<std::pair<bool, bool>> agreed_;
  std::unique_ptr<mpi::NcclComm> nccl_;
  int nccl_device_ = -1;
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

mpi::DType dtype_named(const std::string& name) {
  const std::optional<mpi::DType> parsed = mpi::parse_dtype(name);
  if (!parsed)
    throw std::invalid_argument("dtype '" + name + "' is not one of float32, float64, float16, bfloat16");
  return *parsed;
}

mpi::Algorithm algorithm_named(const std::string& name) {
  const std::optional<mpi::Algorithm> parsed = mpi::parse_algorithm(name);
  if (!parsed || *parsed == mpi::Algorithm::none) {
    throw std::invalid_argument("algorithm '" + name +
                                "' is not one of automatic, ring, recursive-doubling, shared-memory, nccl");
  }
  return *parsed;
}

// What the hook reads of choose_allreduce's plan for a bucket.
struct BucketPlan {
  std::string algorithm;
  bool staged_through_host = false;
};

// The plan for `count` elements of `dtype` on `device` ("cpu" or "cuda"): host buckets and CUDA
// buckets that cannot take NCCL are all-reduced on the host (weighted_allreduce stages them into
// the node buffer), CUDA buckets that can through nccl_allreduce. Collective the first time.
BucketPlan plan(WorldCommunicator& self, std::size_t count, const std::string& dtype,
                const std::string& device, const std::string& algorithm) {
  if (device != "cpu" && device != "cuda")
    throw std::invalid_argument("device '" + device +
                                "' is neither cpu nor cuda; move the model to one of them");
  const mpi::Algorithm forced = algorithm_named(algorithm);
  const bool cuda = device == "cuda";
  mpi::Communicator& comm = self.get();
  py::gil_scoped_release unlocked;
  const auto [every_rank_cuda, nccl_on_every_rank] = self.every_rank_cuda_and_nccl(cuda);
  const std::size_t bytes = count * mpi::dtype_size(dtype_named(dtype));
  mpi::AllreduceRequest request = mpi::host_request(comm, nullptr, bytes, forced);
  request.memory = cuda ? mpi::Memory::cuda : mpi::Memory::host;
  request.in_node_buffer = true;  // weighted_allreduce stages host buckets there
  request.every_rank_cuda = every_rank_cuda;
  request.nccl_on_every_rank = nccl_on_every_rank;
  const mpi::AllreducePlan chosen = mpi::choose_allreduce(request, self.tuning());
  return BucketPlan{std::string(mpi::algorithm_name(chosen.algorithm)), chosen.staged_through_host};
}

// NCCL's sum of `count` elements at CUDA device address `data` on device `device`, in place, on
// CUDA stream `stream` (0: the communicator's own), waited for. Every rank's plan said nccl.
void nccl_allreduce(WorldCommunicator& self, std::uintptr_t data, std::size_t count, const std::string& dtype,
                    int device, std::uintptr_t stream) {
  const mpi::DType type = dtype_named(dtype);
  py::gil_scoped_release unlocked;
  self.nccl(device).allreduce_sum(reinterpret_cast<void*>(data), count, type,
                                  reinterpret_cast<void*>(stream));
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
                        const std::optional<std::string>& dtype, const std::string& algorithm) {
  const py::buffer_info info = buffer.request(true);
  const Elements e = elements_of(info, dtype);
  const mpi::Algorithm forced = algorithm_named(algorithm);
  py::gil_scoped_release unlocked;
  const std::size_t bytes = e.count * mpi::dtype_size(e.type);
  std::byte* staged = self.get().node_buffer(bytes);
  scale_into(e.type, staged, e.data, e.count, weight);
  mpi::allreduce_sum(self.get(), staged, e.count, e.type, forced, self.tuning());
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
  m.def("nccl_compiled", &mpi::nccl_compiled,
        "Whether this build has the NCCL all-reduce (CUDA and NCCL found)");
  m.def("nccl_usable", &mpi::nccl_usable, "nccl_compiled() and this process sees a CUDA device");
  py::class_<BucketPlan>(m, "AllreducePlan", "How a bucket is all-reduced (choose_allreduce)")
      .def_readonly("algorithm", &BucketPlan::algorithm,
                    "nccl, shared-memory, ring, recursive-doubling or none")
      .def_readonly("staged_through_host", &BucketPlan::staged_through_host,
                    "a CUDA bucket copied to host memory, summed there and copied back");
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
           py::arg("dtype") = py::none(), py::arg("algorithm") = "automatic",
           "buffer <- sum over ranks of weight * buffer, in place")
      .def("plan", &plan, py::arg("count"), py::arg("dtype"), py::arg("device"),
           py::arg("algorithm") = "automatic",
           "The all-reduce's plan for a bucket of count dtype elements on device 'cpu' or 'cuda'; collective "
           "the first time (every rank, whatever its device)")
      .def("nccl_allreduce", &nccl_allreduce, py::arg("data_ptr"), py::arg("count"), py::arg("dtype"),
           py::arg("device"), py::arg("stream") = 0,
           "NCCL's in-place sum of count dtype elements at a CUDA device address (tensor.data_ptr()) on CUDA "
           "device `device`, on CUDA stream `stream` (its handle; 0: tflops' own), waited for; collective")
      .def("allgather", &allgather, py::arg("value"), "Every rank's float, in rank order")
      .def("broadcast", &broadcast, py::arg("data"), py::arg("root") = 0, "Rank root's bytes, on every rank");
}

}  // namespace tflops::python
