// SPDX-License-Identifier: GPL-2.0-or-later
// The message sizes and repeats an MPI benchmark sweeps (--min, --max, --factor, --repeats), and
// the median it reports: shared by allreduce_bench and gradient_bench.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

struct SizeSweep {
  std::size_t min_bytes;
  std::size_t max_bytes;
  std::size_t factor;
  int repeats;

  // Takes the option when it is one of the sweep's; false for any other.
  bool take(const std::string& option, const std::string& value) {
    if (option == "--min") min_bytes = std::stoull(value);
    else if (option == "--max") max_bytes = std::stoull(value);
    else if (option == "--factor") factor = std::stoull(value);
    else if (option == "--repeats") repeats = std::stoi(value);
    else return false;
    return true;
  }

  // Throws std::invalid_argument naming the bad option; `smallest` is the least --min allowed.
  void check(std::size_t smallest) const {
    if (factor < 2 || repeats < 1 || min_bytes < smallest) {
      throw std::invalid_argument("--factor must be >= 2, --repeats >= 1, --min >= " +
                                  std::to_string(smallest));
    }
  }
};

// Creates the folder a result file goes into, so that `--csv out/x.csv` works on a fresh tree.
inline void create_parent_folder(const std::string& file) {
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

// True when the command line asks for help (checked before MPI_Init, so that no MPI starts).
inline bool asks_for_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (option == "-h" || option == "--help") return true;
  }
  return false;
}

inline double median(std::vector<double> samples) {
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2),
                   samples.end());
  return samples[samples.size() / 2];
}
