// SPDX-License-Identifier: GPL-2.0-or-later
// hal_bench: FP32 GEMM C = A B (n x n x n) on a virtual card of two or more devices, against
// each device alone, in one run. A is sharded by rows, B replicated, C sharded: the split the
// trainer's forward pass uses. The target is the sum of the devices' rates alone ("1+1=2": at
// least 90%, doc/benchmarks.md). The virtual card runs twice: split by the rates alone, then
// balanced at this shape (VirtualCard::balance), since a device's rate on a small row share is not
// its rate alone.
// Also measures how close a half share of a card comes to half of its rate.
//
//   hal_bench [--n N] [--repeats R] [--host-cpus 1] [--cards LIST]... [--json FILE]
//   each --cards is one device alone (a card list); the virtual card is all of them together.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tflops/hal/hal.h"

namespace {

using namespace tflops::hal;

struct Options {
  std::size_t n = 4096;
  int repeats = 3;
  std::vector<int> host_cpus;
  std::vector<std::string> cards;
  std::string json = "hal_bench.json";
};

// Best TFLOPS of `repeats` GEMMs after one warm-up.
double gemm_tflops(VirtualCard& card, std::size_t n, int repeats) {
  Buffer a(card, n, n, Layout::sharded), b(card, n, n, Layout::replicated), c(card, n, n, Layout::sharded);
  a.fill(0.5f);
  b.fill(0.25f);
  double best = 1e30;
  for (int r = 0; r <= repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    gemm(Trans::no, Trans::no, 1.0f, a, b, 0.0f, c);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "    run " << r << (r ? "" : " (warm-up)") << ": " << s << " s\n";
    if (r) best = std::min(best, s);
  }
  // A check that the split computed every row: each element is n * 0.5 * 0.25.
  std::vector<float> row(c.slice_rows(card.slice_count() - 1) * n);
  c.read_slice(card.slice_count() - 1, row);
  if (!row.empty() && std::abs(row.back() - 0.125f * n) > 1e-3f * n) {
    std::cerr << "hal_bench: wrong result " << row.back() << "\n";
    std::exit(1);
  }
  return 2.0 * static_cast<double>(n) * n * n / best / 1e12;
}

std::string join(const std::vector<std::string>& cards) {
  std::string out;
  for (const std::string& c : cards) out += (out.empty() ? "" : ",") + c;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "-h" || key == "--help") {
      std::cout << "usage: hal_bench [--n N] [--repeats R] [--host-cpus 1] [--cards LIST]... [--json FILE]\n"
                   "\n"
                   "FP32 GEMM (n x n x n, default 4096) on a virtual card of every --cards device together\n"
                   "against each alone, in one run (default: the host and OpenCL device 0). Each --cards is\n"
                   "one device as a card list, e.g. gpu:host0::0=host. Writes JSON to FILE (its folder is\n"
                   "created); bench/hal/run_hal_bench.sh runs it pinned, with the plot.\n";
      return 0;
    }
    if (i + 1 >= argc) {
      std::cerr << "hal_bench: option " << key << " needs a value (--help lists the options)\n";
      return 2;
    }
    const std::string value = argv[i + 1];
    if (key == "--n") o.n = std::stoul(value);
    else if (key == "--repeats") o.repeats = std::stoi(value);
    else if (key == "--host-cpus") o.host_cpus = {std::stoi(value)};
    else if (key == "--cards") o.cards.push_back(value);
    else if (key == "--json") o.json = value;
    else {
      std::cerr << "hal_bench: unknown option " << key << "\n";
      return 2;
    }
  }
  if (o.cards.empty()) o.cards = {"gpu:host0::0=host", "npu:npu0::1=opencl:0"};
  if (const auto folder = std::filesystem::path(o.json).parent_path(); !folder.empty()) {
    std::filesystem::create_directories(folder);
  }
  CardOptions options;
  options.host_cpus = o.host_cpus;

  std::vector<double> alone;
  std::vector<std::string> names;
  for (const std::string& cards : o.cards) {
    std::cerr << "[" << alone.size() + 1 << "/" << o.cards.size() + 3 << "] " << cards << " alone\n";
    VirtualCard card = VirtualCard::from_card_list(cards, options);
    names.push_back(card.slices()[0].label());
    alone.push_back(gemm_tflops(card, o.n, o.repeats));
  }
  double sum = 0;
  for (double t : alone) sum += t;

  std::cerr << "[" << o.cards.size() + 1 << "/" << o.cards.size() + 3
            << "] virtual card of all, split by the rates alone\n";
  VirtualCard both = VirtualCard::from_card_list(join(o.cards), options);
  both.set_weights(alone);
  const RowSplit alone_split = both.split(o.n);
  const double together_alone_split = gemm_tflops(both, o.n, o.repeats);

  std::cerr << "[" << o.cards.size() + 2 << "/" << o.cards.size() + 3
            << "] virtual card of all, balanced at this shape\n";
  const auto balance_start = std::chrono::steady_clock::now();
  both.balance(o.n, o.n, o.n);
  const double balance_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - balance_start).count();
  const RowSplit split = both.split(o.n);
  const double together = gemm_tflops(both, o.n, o.repeats);

  // Share of a shared card: the first device at half its blocks (x/2) against all of it.
  std::cerr << "[" << o.cards.size() + 3 << "/" << o.cards.size() + 3 << "] half share of " << o.cards[0]
            << "\n";
  std::string half_list = o.cards[0];
  half_list.insert(half_list.find('='), "/2");
  CardOptions all_cpus;  // the share is of the whole device: every usable CPU for the host
  VirtualCard whole = VirtualCard::from_card_list(o.cards[0], all_cpus);
  VirtualCard half = VirtualCard::from_card_list(half_list, all_cpus);
  const std::size_t share_n = o.n / 2;
  const double whole_rate = gemm_tflops(whole, share_n, o.repeats);
  const double half_rate = gemm_tflops(half, share_n, o.repeats);

  std::ofstream json(o.json);
  json << "{\n  \"n\": " << o.n << ",\n  \"repeats\": " << o.repeats << ",\n  \"devices\": [\n";
  for (std::size_t i = 0; i < alone.size(); ++i)
    json << "    {\"cards\": \"" << o.cards[i] << "\", \"device\": \"" << names[i]
         << "\", \"tflops_alone\": " << alone[i] << ", \"rows_alone_split\": " << alone_split.rows[i]
         << ", \"rows\": " << split.rows[i] << "}" << (i + 1 < alone.size() ? "," : "") << "\n";
  json << "  ],\n  \"sum_alone_tflops\": " << sum << ",\n  \"alone_split_tflops\": " << together_alone_split
       << ",\n  \"alone_split_ratio\": " << together_alone_split / sum
       << ",\n  \"balance_seconds\": " << balance_seconds << ",\n  \"virtual_card_tflops\": " << together
       << ",\n  \"ratio\": " << together / sum << ",\n  \"target_ratio\": 0.9,\n"
       << "  \"share\": {\"cards\": \"" << half_list << "\", \"n\": " << share_n
       << ", \"whole_tflops\": " << whole_rate << ", \"half_tflops\": " << half_rate
       << ", \"half_units\": " << half.slices()[0].units << ", \"whole_units\": " << whole.slices()[0].units
       << ", \"achieved_fraction\": " << half_rate / whole_rate << "}\n}\n";

  std::printf("FP32 GEMM %zux%zux%zu, best of %d\n", o.n, o.n, o.n, o.repeats);
  for (std::size_t i = 0; i < alone.size(); ++i)
    std::printf("  %-50s alone %8.4f TFLOPS, rows split by rates alone %zu, balanced %zu\n", names[i].c_str(),
                alone[i], alone_split.rows[i], split.rows[i]);
  std::printf("  sum of the devices alone                  %8.4f TFLOPS\n", sum);
  std::printf("  virtual card, split by the rates alone    %8.4f TFLOPS  ratio %.3f\n", together_alone_split,
              together_alone_split / sum);
  std::printf("  virtual card, balanced (%.1f s to balance) %8.4f TFLOPS  ratio %.3f (target >= 0.90)\n",
              balance_seconds, together, together / sum);
  std::printf("  share: %s at half its blocks: %.4f of %.4f TFLOPS = %.3f (target 0.5)\n", o.cards[0].c_str(),
              half_rate, whole_rate, half_rate / whole_rate);
  return 0;
}
