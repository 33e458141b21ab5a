// SPDX-License-Identifier: GPL-2.0-or-later
// Runs under mpirun: all-reduces buffers whose serial sum is known and checks every element on
// every rank, for each element count, dtype and algorithm asked for. Exits 1 on any mismatch,
// printing the first one. Also checks that all ranks hold the same bits.
//
//   allreduce_check [--counts 0,1,N-1,7,1MiB,...] [--dtypes all|float32,...] [--algorithms all|ring,...]
//                   [--buffer private|node|misplaced|cuda]
// A count is a number of elements, `N-1` (ranks - 1), or a size in bytes with KiB/MiB.
// Private memory is the caller's own (shared memory stages it); --buffer node all-reduces inside
// the communicator's node buffer, which the peers read directly; misplaced passes rank r's data
// r elements into it, which every rank must refuse (each checks its left neighbour), and
// succeeds when they all do. --buffer cuda takes the
// NCCL path on each rank's GPU (one GPU per rank: NCCL refuses two ranks on one device) and
// exits 77 (skipped) where NCCL is not built or no GPU is present.
#include <mpi.h>
#ifdef TFLOPS_MPI_NCCL
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tflops/mpi/allreduce.h"
#include "tflops/mpi/nccl_allreduce.h"

using namespace tflops::mpi;

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string::npos ? text.size() : comma;
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

std::size_t parse_count(const std::string& word, int ranks, DType type) {
  if (word == "N-1") return static_cast<std::size_t>(ranks - 1);
  std::size_t used = 0;
  const std::size_t number = std::stoull(word, &used);
  const std::string unit = word.substr(used);
  if (unit.empty()) return number;
  if (unit == "KiB") return number * 1024 / dtype_size(type);
  if (unit == "MiB") return number * 1024 * 1024 / dtype_size(type);
  throw std::invalid_argument("bad count '" + word + "': give elements, N-1, or NKiB / NMiB");
}

// Small integers: every partial sum is exact in every dtype, so the check is exact.
double exact_value(int rank, std::size_t i) { return static_cast<double>((i * 7 + rank * 13) % 17) - 8.0; }
// Arbitrary reals, for the float32/float64 rounding check.
double real_value(int rank, std::size_t i) {
  return std::sin(0.37 * static_cast<double>(i) + 1.3 * rank) * 100.0;
}

void store(DType type, std::vector<std::byte>& buffer, std::size_t i, double value) {
  switch (type) {
    case DType::f32: {
      const float v = static_cast<float>(value);
      std::memcpy(&buffer[i * 4], &v, 4);
      return;
    }
    case DType::f64: std::memcpy(&buffer[i * 8], &value, 8); return;
    case DType::f16: {
      const std::uint16_t v = float_to_half(static_cast<float>(value));
      std::memcpy(&buffer[i * 2], &v, 2);
      return;
    }
    case DType::bf16: {
      const std::uint16_t v = float_to_bfloat16(static_cast<float>(value));
      std::memcpy(&buffer[i * 2], &v, 2);
      return;
    }
  }
}

double load(DType type, const std::vector<std::byte>& buffer, std::size_t i) {
  switch (type) {
    case DType::f32: {
      float v;
      std::memcpy(&v, &buffer[i * 4], 4);
      return v;
    }
    case DType::f64: {
      double v;
      std::memcpy(&v, &buffer[i * 8], 8);
      return v;
    }
    case DType::f16: {
      std::uint16_t v;
      std::memcpy(&v, &buffer[i * 2], 2);
      return half_to_float(v);
    }
    case DType::bf16: {
      std::uint16_t v;
      std::memcpy(&v, &buffer[i * 2], 2);
      return bfloat16_to_float(v);
    }
  }
  return 0;
}

double rounded(DType type, double value) {
  switch (type) {
    case DType::f32: return static_cast<float>(value);
    case DType::f64: return value;
    case DType::f16: return half_to_float(float_to_half(static_cast<float>(value)));
    case DType::bf16: return bfloat16_to_float(float_to_bfloat16(static_cast<float>(value)));
  }
  return value;
}

std::uint64_t fingerprint(const std::vector<std::byte>& buffer) {
  std::uint64_t hash = 1469598103934665603ull;
  for (std::byte b : buffer) hash = (hash ^ static_cast<std::uint64_t>(b)) * 1099511628211ull;
  return hash;
}

enum class Place { private_buffer, node, misplaced, cuda };

// The NCCL path: the data goes to this rank's GPU, is all-reduced there and comes back.
void allreduce_on_gpu(NcclComm& nccl, std::vector<std::byte>& buffer, std::size_t count, DType type) {
#ifdef TFLOPS_MPI_NCCL
  void* device = nullptr;
  const auto cuda = [](cudaError_t error, const char* what) {
    if (error != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(error));
  };
  cuda(cudaMalloc(&device, std::max<std::size_t>(buffer.size(), 1)), "cudaMalloc");
  cuda(cudaMemcpy(device, buffer.data(), buffer.size(), cudaMemcpyHostToDevice), "cudaMemcpy to the GPU");
  nccl.allreduce_sum(device, count, type);
  cuda(cudaMemcpy(buffer.data(), device, buffer.size(), cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
  cuda(cudaFree(device), "cudaFree");
#else
  (void)nccl, (void)buffer, (void)count, (void)type;
  throw std::logic_error("built without NCCL: main skips --buffer cuda");
#endif
}

// This rank's GPU: its rank among the ranks of its node, modulo the GPUs it sees.
int local_gpu(Communicator& comm) {
#ifdef TFLOPS_MPI_NCCL
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm.get(), MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node);
  int local = 0, gpus = 1;
  MPI_Comm_rank(node, &local);
  MPI_Comm_free(&node);
  cudaGetDeviceCount(&gpus);
  return local % std::max(gpus, 1);
#else
  (void)comm;
  return 0;
#endif
}

// Returns the number of failures (0 or 1) on this rank.
int check(Communicator& comm, std::size_t count, DType type, Algorithm algorithm, bool exact, Place memory,
          NcclComm* nccl = nullptr) {
  const int ranks = comm.size();
  const int rank = comm.rank();
  std::vector<std::byte> buffer(count * dtype_size(type));
  auto value = exact ? exact_value : real_value;
  for (std::size_t i = 0; i < count; ++i) store(type, buffer, i, value(rank, i));
  if (memory == Place::private_buffer) {
    allreduce_sum(comm, buffer.data(), count, type, algorithm, tuning_from_environment());
  } else if (memory == Place::cuda) {
    allreduce_on_gpu(*nccl, buffer, count, type);
  } else {
    const std::size_t shift = memory == Place::misplaced ? static_cast<std::size_t>(rank) * dtype_size(type)
                                                         : 0;
    std::byte* node = comm.node_buffer(buffer.size() + static_cast<std::size_t>(ranks) * dtype_size(type)) +
                      shift;
    std::copy(buffer.begin(), buffer.end(), node);
    allreduce_sum(comm, node, count, type, algorithm, tuning_from_environment());
    std::copy_n(node, buffer.size(), buffer.begin());
  }

  // A rank that finds a wrong element still joins the collective check below: returning first
  // left the other ranks waiting in it for ever.
  int wrong = 0;
  for (std::size_t i = 0; i < count && wrong == 0; ++i) {
    double expected = 0;
    // The serial sum of the values as each rank stored them (rounded to the dtype).
    for (int r = 0; r < ranks; ++r) expected += rounded(type, value(r, i));
    const double got = load(type, buffer, i);
    // Real values: p terms of magnitude <= 100 summed in another order differ by about p ulps.
    const double tolerance = exact ? 0.0 : (type == DType::f32 ? 1e-6 : 1e-13) * ranks * 100.0;
    if (!(std::fabs(got - expected) <= tolerance)) {
      std::fprintf(stderr, "rank %d: %s %s count %zu (%s values): element %zu is %.9g, serial sum %.9g\n",
                   rank, std::string(algorithm_name(algorithm)).c_str(),
                   std::string(dtype_name(type)).c_str(), count, exact ? "integer" : "real", i, got,
                   expected);
      wrong = 1;
    }
  }
  std::uint64_t mine = fingerprint(buffer), low = 0, high = 0;
  MPI_Allreduce(&mine, &low, 1, MPI_UINT64_T, MPI_MIN, comm.get());
  MPI_Allreduce(&mine, &high, 1, MPI_UINT64_T, MPI_MAX, comm.get());
  if (low != high) {
    std::fprintf(stderr, "rank %d: %s %s count %zu: ranks hold different bits\n", rank,
                 std::string(algorithm_name(algorithm)).c_str(), std::string(dtype_name(type)).c_str(),
                 count);
    return 1;
  }
  return wrong;
}

// Every rank passes its data at another place of its node buffer: each must refuse the call.
bool misplaced_call_refused(Communicator& comm) {
  try {
    check(comm, 1000, DType::f32, Algorithm::shared_memory, true, Place::misplaced);
  } catch (const std::invalid_argument& e) {
    if (comm.rank() == 0) std::printf("refused: %s\n", e.what());
    return true;
  }
  std::fprintf(stderr, "rank %d: a misplaced node-buffer all-reduce was not refused\n", comm.rank());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int failures = 0;
  try {
    // 131073 float64 and 300007 of 4 and 8 bytes span several 1 MiB staging pieces of own
    // memory, the last of them short (131073 float64: one element, fewer than ranks).
    std::vector<std::string> counts = {"0",  "1",    "N-1",  "2",     "3",      "5",      "7",
                                       "13", "1009", "4999", "65537", "131073", "300007", "1MiB"};
    std::vector<DType> types(std::begin(kAllDTypes), std::end(kAllDTypes));
    std::vector<Algorithm> algorithms = {Algorithm::ring, Algorithm::recursive_doubling,
                                         Algorithm::shared_memory, Algorithm::automatic};
    Place memory = Place::private_buffer;
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string option = argv[i], value = argv[i + 1];
      if (option == "--counts") {
        counts = split(value);
      } else if (option == "--dtypes" && value != "all") {
        types.clear();
        for (const std::string& word : split(value)) {
          const auto type = parse_dtype(word);
          if (!type) throw std::invalid_argument("unknown dtype '" + word + "'");
          types.push_back(*type);
        }
      } else if (option == "--algorithms" && value != "all") {
        algorithms.clear();
        for (const std::string& word : split(value)) {
          if (word == "ring") algorithms.push_back(Algorithm::ring);
          else if (word == "recursive-doubling") algorithms.push_back(Algorithm::recursive_doubling);
          else if (word == "automatic") algorithms.push_back(Algorithm::automatic);
          else if (word == "shared-memory") algorithms.push_back(Algorithm::shared_memory);
          else throw std::invalid_argument("unknown algorithm '" + word + "'");
        }
      } else if (option == "--buffer") {
        if (value == "private") memory = Place::private_buffer;
        else if (value == "node") memory = Place::node;
        else if (value == "misplaced") memory = Place::misplaced;
        else if (value == "cuda") memory = Place::cuda;
        else
          throw std::invalid_argument("unknown --buffer '" + value + "': private, node, misplaced or cuda");
      } else if (option != "--dtypes" && option != "--algorithms") {
        throw std::invalid_argument("unknown option '" + option + "'");
      }
    }
    if (memory == Place::cuda && !nccl_usable()) {
      std::printf("skipped: %s\n", nccl_compiled() ? "no GPU here" : "built without NCCL");
      MPI_Finalize();
      return 77;
    }
    Communicator comm(MPI_COMM_WORLD);
    std::unique_ptr<NcclComm> nccl;
    if (memory == Place::cuda) {
      nccl = std::make_unique<NcclComm>(comm, local_gpu(comm));
      algorithms = {Algorithm::automatic};  // NCCL picks its own
    }
    std::size_t checked = 0;
    if (memory == Place::misplaced) algorithms.clear();  // only the refusal below
    for (Algorithm algorithm : algorithms) {
      for (DType type : types) {
        for (const std::string& word : counts) {
          const std::size_t count = parse_count(word, comm.size(), type);
          failures += check(comm, count, type, algorithm, true, memory, nccl.get());
          if (type == DType::f32 || type == DType::f64) {
            failures += check(comm, count, type, algorithm, false, memory, nccl.get());
          }
          ++checked;
        }
      }
    }
    if (memory == Place::misplaced) failures += misplaced_call_refused(comm) ? 0 : 1;
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (comm.rank() == 0) {
      if (memory == Place::misplaced) {
        std::printf("misplaced call on %d ranks: %s\n", comm.size(),
                    total == 0 ? "refused by every rank" : "FAILED");
      } else {
        std::printf("%zu cases on %d ranks: %s\n", checked, comm.size(),
                    total == 0 ? "all match the serial sum" : "FAILED");
      }
    }
    failures = total;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allreduce_check: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
