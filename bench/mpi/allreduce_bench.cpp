// SPDX-License-Identifier: GPL-2.0-or-later
// All-reduce bus bandwidth, nccl-tests style: algbw = bytes / time, busbw = algbw * 2(n-1)/n.
// In one run, for each size, alternating inside every repeat so that noise hits all alike:
//   tflops      allreduce_sum with the automatic algorithm choice (what applications get) on
//               the communicator's node buffer, where the trainer's gradients live: shared
//               memory when all ranks share the node
//   private     the automatic choice on ordinary memory of this process, as for a caller's
//               own buffer (on one node shared memory too, staged through shared memory
//               above 10184 bytes)
//   ring        the ring forced            (with recursive-doubling: where the crossover lies)
//   rd          recursive doubling forced
//   shm         shared memory forced
//   mpi         MPI_Allreduce (MPI_SUM) on the node buffer
// Each figure is the median over repeats of the mean time of a batch of calls. Rank 0 prints
// one line per size (progress) and writes CSV and JSON.
//
//   allreduce_bench [--min BYTES] [--max BYTES] [--factor F] [--repeats R] [--dtype float32]
//                   [--csv FILE] [--json FILE] [--variants tflops,private,ring,rd,shm,mpi]
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "size_sweep.h"
#include "tflops/mpi/allreduce.h"

using namespace tflops::mpi;

namespace {

struct Options {
  SizeSweep sweep{8, 256u << 20, 2, 5};
  DType type = DType::f32;
  std::string csv, json;
  std::vector<std::string> variants = {"tflops", "private", "ring", "rd", "shm", "mpi"};
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("option " + option + " needs a value");
    const std::string value = argv[++i];
    if (options.sweep.take(option, value)) continue;
    if (option == "--csv") options.csv = value;
    else if (option == "--json") options.json = value;
    else if (option == "--dtype") {
      const auto type = parse_dtype(value);
      if (!type) throw std::invalid_argument("unknown dtype '" + value + "'");
      options.type = *type;
    } else if (option == "--variants") {
      options.variants.clear();
      std::size_t start = 0;
      while (start < value.size()) {
        const std::size_t comma = std::min(value.find(',', start), value.size());
        options.variants.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
    } else {
      throw std::invalid_argument("unknown option '" + option + "'");
    }
  }
  options.sweep.check(1);
  if (!options.csv.empty()) create_parent_folder(options.csv);
  if (!options.json.empty()) create_parent_folder(options.json);
  return options;
}

MPI_Datatype mpi_type(DType type) {
  switch (type) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    default: throw std::invalid_argument("MPI_Allreduce has no float16/bfloat16: bench float32 or float64");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (asks_for_help(argc, argv)) {
    std::printf(
        "usage: allreduce_bench [--min BYTES] [--max BYTES] [--factor F] [--repeats R] [--dtype float32]\n"
        "                       [--csv FILE] [--json FILE] [--variants tflops,private,ring,rd,shm,mpi]\n"
        "\n"
        "All-reduce bus bandwidth (nccl-tests' busbw) over the MPI ranks it runs on, from --min to --max\n"
        "bytes by --factor (default 8 B to 256 MiB by 2), median of --repeats (default 5), for each\n"
        "variant: tflops (automatic choice on the node buffer), private (automatic choice on a rank's\n"
        "own memory), ring, rd (recursive doubling), shm (shared memory) forced, and mpi\n"
        "(MPI_Allreduce). Rank 0 writes CSV and JSON (their folders are created). Run under mpirun;\n"
        "bench/mpi/run_mpi_bench.sh runs it with the plot.\n");
    return 0;
  }
  MPI_Init(&argc, &argv);
  try {
    const Options options = parse(argc, argv);
    Communicator comm(MPI_COMM_WORLD);
    const int ranks = comm.size();
    const Tuning tuning = tuning_from_environment();
    const std::size_t element = dtype_size(options.type);
    const std::size_t buffer_bytes = std::max(options.sweep.max_bytes, element);
    std::byte* buffer = comm.node_buffer(buffer_bytes);
    std::fill_n(buffer, buffer_bytes, std::byte{0});  // zeros stay zeros: no overflow
    std::vector<std::byte> private_memory(buffer_bytes, std::byte{0});

    std::FILE* csv = nullptr;
    if (comm.rank() == 0 && !options.csv.empty()) {
      csv = std::fopen(options.csv.c_str(), "w");
      if (csv == nullptr) throw std::runtime_error("cannot write " + options.csv);
      std::fprintf(csv, "ranks,bytes,variant,time_us,algbw_gbs,busbw_gbs\n");
    }
    std::string json = "{\n  \"ranks\": " + std::to_string(ranks) + ",\n  \"dtype\": \"" +
                       std::string(dtype_name(options.type)) +
                       "\",\n  \"small_bytes\": " + std::to_string(tuning.small_bytes) +
                       ",\n  \"results\": [";
    bool first_row = true;
    if (comm.rank() == 0) {
      std::printf("# %d ranks, %s, median of %d repeats; busbw = algbw * 2(n-1)/n in GB/s\n", ranks,
                  std::string(dtype_name(options.type)).c_str(), options.sweep.repeats);
      std::printf("%12s", "bytes");
      for (const auto& v : options.variants) std::printf(" %10s", v.c_str());
      std::printf("  tflops/mpi private/mpi\n");
    }

    for (std::size_t bytes = options.sweep.min_bytes; bytes <= options.sweep.max_bytes;
         bytes *= options.sweep.factor) {
      const std::size_t count = std::max<std::size_t>(1, bytes / element);
      const std::size_t real_bytes = count * element;
      // Enough calls per batch to take ~20 ms at 1 GB/s, at least 1, at most 200.
      const int calls = static_cast<int>(std::clamp<std::size_t>((20u << 20) / real_bytes, 1, 200));
      std::map<std::string, std::vector<double>> times;
      for (int repeat = 0; repeat <= options.sweep.repeats; ++repeat) {  // repeat 0 warms up
        for (const std::string& variant : options.variants) {
          MPI_Barrier(comm.get());
          const double start = MPI_Wtime();
          for (int call = 0; call < calls; ++call) {
            if (variant == "mpi") {
              MPI_Allreduce(MPI_IN_PLACE, buffer, static_cast<int>(count), mpi_type(options.type), MPI_SUM,
                            comm.get());
            } else {
              const Algorithm algorithm = variant == "ring"  ? Algorithm::ring
                                          : variant == "rd"  ? Algorithm::recursive_doubling
                                          : variant == "shm" ? Algorithm::shared_memory
                                                             : Algorithm::automatic;
              allreduce_sum(comm, variant == "private" ? private_memory.data() : buffer, count, options.type,
                            algorithm, tuning);
            }
          }
          double elapsed = (MPI_Wtime() - start) / calls, slowest = 0;
          MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm.get());
          if (repeat > 0) times[variant].push_back(slowest);
        }
      }
      if (comm.rank() != 0) continue;
      std::printf("%12zu", real_bytes);
      std::map<std::string, double> busbw;
      for (const std::string& variant : options.variants) {
        auto& samples = times[variant];
        const double time = median(samples);
        const double algbw = static_cast<double>(real_bytes) / time / 1e9;
        busbw[variant] = algbw * 2.0 * (ranks - 1) / ranks;
        std::printf(" %10.3f", ranks > 1 ? busbw[variant] : algbw);
        if (csv)
          std::fprintf(csv, "%d,%zu,%s,%.3f,%.4f,%.4f\n", ranks, real_bytes, variant.c_str(), time * 1e6,
                       algbw, busbw[variant]);
        json += std::string(first_row ? "" : ",") + "\n    {\"bytes\": " + std::to_string(real_bytes) +
                ", \"variant\": \"" + variant + "\", \"time_us\": " + std::to_string(time * 1e6) +
                ", \"algbw_gbs\": " + std::to_string(algbw) +
                ", \"busbw_gbs\": " + std::to_string(busbw[variant]) + "}";
        first_row = false;
      }
      for (const char* ours : {"tflops", "private"}) {
        if (busbw.count(ours) && busbw.count("mpi")) std::printf("  %9.2fx", busbw[ours] / busbw["mpi"]);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    if (csv) std::fclose(csv);
    if (comm.rank() == 0 && !options.json.empty()) {
      std::ofstream(options.json) << json << "\n  ]\n}\n";
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allreduce_bench: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Finalize();
  return 0;
}
