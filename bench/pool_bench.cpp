// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmarks of libtflops_pool (Google Benchmark). Run through bench/run_pool_bench.sh.
//
//   BM_PlaceRelease/nodes:N/max_blocks:M   find() + take() + release() of one request of 1..M
//       blocks on one node (a quarter of them kind-typed) on a pool of N nodes held at 50%
//       random occupancy. items_per_second = place+release pairs per second.
//   BM_PreemptionPlan/blocks:B/nodes:K     plan_preemption() for B blocks on each of K nodes at
//       priority 900 over 1,000 running jobs (125 full nodes, 8 jobs each, priorities 0..999).
//   BM_SchedulerSubmitEnd/nodes:N          Scheduler::submit() + end() of a 1..8 block job on a
//       pool of N nodes held at 50% by running jobs: the whole job lifecycle, to set beside the
//       commissioning project's claim of 20,000 jobs per second. 5,000 jobs after the fill.
//
// Every node has 8 cards of mixed kinds at their real TFLOPS (GPU 9-20, NPU 15-20, FPGA 8-25),
// 1 TFLOPS per block, so a node has about 100-150 blocks. Everything is seeded: runs repeat.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"
#include "tflops/pool/preemption.h"
#include "tflops/pool/running_job.h"
#include "tflops/pool/scheduler.h"

namespace {

using namespace tflops::pool;

constexpr std::uint64_t kSeed = 20240601;
constexpr std::size_t kRequestCycle = 4096;  // pre-drawn requests, used in turn (a power of 2)
constexpr JobId kBenchJob = 0xFFFFFFF0u;     // the id the timed placements take blocks for

int uniform(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Half the nodes have 8 GPUs, 3 in 10 have 4 GPUs + 4 NPUs, 2 in 10 4 GPUs + 2 NPUs + 2 FPGAs.
std::shared_ptr<const Layout> make_layout(std::uint32_t nodes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Inventory inventory;
  inventory.source = "pool_bench";
  inventory.nodes.reserve(nodes);
  inventory.cards.reserve(std::size_t{nodes} * 8);
  int line = 0;
  for (std::uint32_t n = 0; n < nodes; ++n) {
    std::string node = "node" + std::to_string(n);
    int counts[kKindCount] = {8, 0, 0};
    int type = uniform(rng, 0, 9);
    if (type >= 8) {
      counts[0] = 4, counts[1] = 2, counts[2] = 2;
    } else if (type >= 5) {
      counts[0] = 4, counts[1] = 4;
    }
    static constexpr const char* kNames[kKindCount] = {"gpu", "npu", "fpga"};
    static constexpr int kLow[kKindCount] = {9, 15, 8};
    static constexpr int kHigh[kKindCount] = {20, 20, 25};
    for (std::size_t k = 0; k < kKindCount; ++k) {
      for (int c = 0; c < counts[k]; ++c) {
        Card card;
        card.node = node;
        card.name = kNames[k] + std::to_string(c);
        card.kind = kAllKinds[k];
        card.tflops = uniform(rng, kLow[k], kHigh[k]);
        card.line = ++line;
        inventory.cards.push_back(std::move(card));
      }
    }
    inventory.nodes.push_back(std::move(node));
  }
  return std::make_shared<const Layout>(std::move(inventory));
}

std::optional<Kind> random_kind(std::mt19937_64& rng) {
  return kAllKinds[static_cast<std::size_t>(uniform(rng, 0, kKindCount - 1))];
}

// Packs every node with jobs of 1-16 blocks (a quarter of them kind-typed), then frees a random
// selection of those jobs until at most half of the pool is held: holes of random sizes
// everywhere, as a pool looks after a while.
void fill_half(BlockPool& pool, std::mt19937_64& rng) {
  std::vector<Spans> held;
  JobId next = 1;
  const auto nodes = static_cast<std::uint32_t>(pool.layout().nodes().size());
  for (std::uint32_t node = 0; node < nodes; ++node) {
    while (std::uint32_t free = pool.free_blocks(node, std::nullopt)) {
      auto size = std::min<std::uint32_t>(static_cast<std::uint32_t>(uniform(rng, 1, 16)), free);
      std::optional<Spans> spans;
      if (uniform(rng, 0, 3) == 0) spans = pool.find_on(node, size, random_kind(rng));
      if (!spans) spans = pool.find_on(node, size, std::nullopt);
      if (!spans) throw std::logic_error("pool_bench: find_on failed on a node with free blocks");
      pool.take(*spans, next++);
      held.push_back(std::move(*spans));
    }
  }
  std::shuffle(held.begin(), held.end(), rng);
  const std::uint64_t total = pool.layout().total_blocks();
  for (const Spans& spans : held) {
    if (pool.free_blocks() * 2 >= total) break;
    pool.release(spans);
  }
}

// One request per placement: 1..max_blocks on one node, a quarter of them for one kind only.
std::vector<Request> make_requests(std::uint32_t max_blocks, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Request> requests(kRequestCycle);
  for (Request& request : requests) {
    request.blocks = static_cast<std::uint32_t>(uniform(rng, 1, static_cast<int>(max_blocks)));
    if (uniform(rng, 0, 3) == 0) request.kind = random_kind(rng);
  }
  return requests;
}

// Setting up a large pool takes seconds; say so, so that a quiet terminal is not a hung one.
class SetupNote {
 public:
  explicit SetupNote(std::string what) : what_(std::move(what)), start_(Clock::now()) {
    std::fprintf(stderr, "pool_bench: %s...\n", what_.c_str());
  }
  ~SetupNote() {
    std::fprintf(stderr, "pool_bench: %s took %.1f s\n", what_.c_str(),
                 std::chrono::duration<double>(Clock::now() - start_).count());
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_;
  Clock::time_point start_;
};

struct HalfFullPool {
  explicit HalfFullPool(std::uint32_t nodes) : pool(make_layout(nodes, kSeed)) {
    std::mt19937_64 rng(kSeed + 1);
    fill_half(pool, rng);
  }
  BlockPool pool;
};

// Built once per size: the timed loop leaves the pool as it found it.
HalfFullPool& half_full_pool(std::uint32_t nodes) {
  static std::map<std::uint32_t, std::unique_ptr<HalfFullPool>> pools;
  auto& slot = pools[nodes];
  if (!slot) {
    SetupNote note("building a " + std::to_string(nodes) + "-node pool at 50% occupancy");
    slot = std::make_unique<HalfFullPool>(nodes);
  }
  return *slot;
}

void BM_PlaceRelease(benchmark::State& state) {
  BlockPool& pool = half_full_pool(static_cast<std::uint32_t>(state.range(0))).pool;
  const auto requests = make_requests(static_cast<std::uint32_t>(state.range(1)), kSeed + 2);
  std::size_t next = 0;
  std::int64_t misses = 0;
  for (auto _ : state) {
    const Request& request = requests[next++ & (kRequestCycle - 1)];
    std::optional<Spans> spans = pool.find(request);
    if (spans) {
      pool.take(*spans, kBenchJob);
      pool.release(*spans);
    } else {
      ++misses;  // counted so that a run where requests do not fit cannot pass for a fast one
    }
    benchmark::DoNotOptimize(spans);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["blocks"] = static_cast<double>(pool.layout().total_blocks());
  state.counters["occupancy"] = 1.0 - static_cast<double>(pool.free_blocks()) /
                                          static_cast<double>(pool.layout().total_blocks());
  state.counters["miss_rate"] = static_cast<double>(misses) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_PlaceRelease)
    ->ArgNames({"nodes", "max_blocks"})
    ->ArgsProduct({{4, 1000, 100000}, {8}})
    ->ArgsProduct({{4, 1000, 100000}, {64}});

// 125 nodes, each cut at 7 random points into 8 running jobs: 1,000 jobs, the pool full.
struct FullPool {
  static constexpr std::uint32_t kNodes = 125;
  static constexpr std::uint32_t kJobsPerNode = 8;
  FullPool() : pool(make_layout(kNodes, kSeed + 3)) {
    std::mt19937_64 rng(kSeed + 4);
    JobId next = 1;
    for (std::uint32_t node = 0; node < kNodes; ++node) {
      const std::uint32_t blocks = pool.layout().nodes()[node].blocks;
      std::vector<std::uint32_t> cuts(blocks - 1);
      for (std::uint32_t b = 0; b < cuts.size(); ++b) cuts[b] = b + 1;
      std::shuffle(cuts.begin(), cuts.end(), rng);
      cuts.resize(kJobsPerNode - 1);
      cuts.push_back(0);
      cuts.push_back(blocks);
      std::sort(cuts.begin(), cuts.end());
      for (std::uint32_t j = 0; j < kJobsPerNode; ++j) {
        RunningJob job;
        job.id = next++;
        job.priority = uniform(rng, 0, 999);
        job.spans = {Span{node, cuts[j], cuts[j + 1] - cuts[j]}};
        pool.take(job.spans, job.id);
        running.push_back(std::move(job));
      }
    }
  }
  BlockPool pool;
  std::vector<RunningJob> running;
};

void BM_PreemptionPlan(benchmark::State& state) {
  static const FullPool full;
  Request request;
  request.blocks = static_cast<std::uint32_t>(state.range(0));
  request.nodes = static_cast<std::uint32_t>(state.range(1));
  constexpr std::int64_t kPriority = 900;  // above 90% of the running jobs
  std::optional<PreemptionPlan> plan;
  for (auto _ : state) {
    plan = plan_preemption(full.pool, request, kPriority, full.running, 1);
    benchmark::DoNotOptimize(plan);
  }
  if (!plan) {
    state.SkipWithError("no preemption plan found");
    return;
  }
  state.counters["running_jobs"] = static_cast<double>(full.running.size());
  state.counters["victims"] = static_cast<double>(plan->victims.size());
  state.counters["highest_victim_priority"] = static_cast<double>(plan->highest_victim_priority);
}
BENCHMARK(BM_PreemptionPlan)
    ->ArgNames({"blocks", "nodes"})
    ->Args({32, 1})
    ->Args({100, 1})
    ->Args({64, 8})
    ->Unit(benchmark::kMicrosecond);

void BM_SchedulerSubmitEnd(benchmark::State& state) {
  const auto nodes = static_cast<std::uint32_t>(state.range(0));
  // A fresh scheduler per run: ended jobs stay in its job table, which must not grow across runs.
  Scheduler scheduler(make_layout(nodes, kSeed));
  std::mt19937_64 rng(kSeed + 5);
  JobId next = 1;
  std::vector<JobId> ids;
  for (std::uint32_t node = 0; node < nodes; ++node) {
    while (std::uint32_t free = scheduler.blocks().free_blocks(node, std::nullopt)) {
      JobSpec spec;
      spec.id = next++;
      spec.blocks = std::min<std::uint32_t>(static_cast<std::uint32_t>(uniform(rng, 1, 16)), free);
      spec.node = scheduler.layout().nodes()[node].name;
      scheduler.submit(spec);
      ids.push_back(spec.id);
    }
  }
  std::shuffle(ids.begin(), ids.end(), rng);
  const std::uint64_t total = scheduler.layout().total_blocks();
  for (JobId id : ids) {
    if (scheduler.blocks().free_blocks() * 2 >= total) break;
    scheduler.end(id);
  }
  std::vector<std::int64_t> sizes(kRequestCycle);
  for (auto& size : sizes) size = uniform(rng, 1, 8);

  std::int64_t not_started = 0;
  for (auto _ : state) {
    JobSpec spec;
    spec.id = next++;
    spec.blocks = sizes[spec.id & (kRequestCycle - 1)];
    auto events = scheduler.submit(spec);
    if (events.empty() || events.front().type != EventType::started) ++not_started;
    benchmark::DoNotOptimize(events);
    auto ended = scheduler.end(spec.id);
    benchmark::DoNotOptimize(ended);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["blocks"] = static_cast<double>(total);
  state.counters["not_started"] = static_cast<double>(not_started);
}
// A fixed count: the scheduler keeps ended jobs in its table, so its cost depends on how many
// have passed through. Not at 100,000 nodes: filling the table through submit() takes minutes.
BENCHMARK(BM_SchedulerSubmitEnd)->ArgName("nodes")->Arg(4)->Arg(1000)->Iterations(5000);

}  // namespace

BENCHMARK_MAIN();
