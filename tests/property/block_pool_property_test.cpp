// SPDX-License-Identifier: GPL-2.0-or-later
// BlockPool under long random find/take/release sequences (block_pool.h): every answer is
// compared with the reference owner array after every step, and every find() with the placement
// rule (first nodes with a run that holds N, best fit; else fewest runs).
#include <gtest/gtest.h>

#include <stdexcept>

#include "model.h"

namespace tflops::pool::proptest {
namespace {

Request random_request(Rng& rng, const Layout& layout) {
  Request r;
  std::uint32_t big = largest_node(layout);
  r.blocks = static_cast<std::uint32_t>(rng.chance(0.8) ? rng.between(1, std::max<std::uint32_t>(1, big / 3))
                                                        : rng.between(1, big + 2));
  r.nodes = static_cast<std::uint32_t>(rng.chance(0.75) ? 1 : rng.between(1, node_count(layout) + 1));
  if (r.nodes == 1 && rng.chance(0.2)) r.node = static_cast<std::uint32_t>(rng.below(node_count(layout)));
  if (rng.chance(0.4)) r.kind = kAllKinds[rng.below(kKindCount)];
  return r;
}

// Arbitrary free blocks of one node, to fragment the pool in ways find() never would.
std::optional<Spans> random_free_spans(Rng& rng, const Ref& ref) {
  auto node = static_cast<std::uint32_t>(rng.below(ref.nodes()));
  auto runs = ref.runs(node, std::nullopt);
  if (runs.empty()) return std::nullopt;
  Spans out;
  for (const Run& r : runs) {
    if (!rng.chance(0.35) && !(out.empty() && &r == &runs.back())) continue;
    auto first = r.first + static_cast<std::uint32_t>(rng.below(r.count));
    auto count = 1 + static_cast<std::uint32_t>(rng.below(std::min<std::uint32_t>(r.end() - first, 6)));
    out.push_back(Span{node, first, count});
  }
  return out;
}

struct Sequence {
  std::uint64_t seed;
  std::size_t steps;
};

std::string run_sequence(std::uint64_t seed, std::size_t steps, std::vector<std::string>& log) {
  Rng rng(seed);
  InventoryShape shape;
  shape.max_card_blocks = rng.chance(0.2) ? 40 : 12;
  auto layout = std::make_shared<const Layout>(random_inventory(rng, shape));
  log.push_back(describe(*layout));
  BlockPool pool(layout);
  Ref ref(*layout);
  std::map<JobId, Spans> held;
  JobId next_id = 1;
  PROP_CHECK(check_pool_matches(pool, ref));

  for (std::size_t step = 0; step < steps; ++step) {
    double fill = 1.0 - static_cast<double>(ref.free_total()) / static_cast<double>(layout->total_blocks());
    std::uint64_t op = rng.below(100);
    if (fill > 0.9 && op < 60) op += 40;  // keep the pool from filling up for good
    std::ostringstream what;
    if (op < 35) {  // find, check the rule, take what it gave
      Request req = random_request(rng, *layout);
      auto got = pool.find(req);
      what << "find " << str(req) << " -> " << str(got);
      log.push_back(what.str());
      PROP_CHECK(check_placement(ref, req, got));
      if (got) {
        pool.take(*got, next_id);
        PROP_CHECK(ref.take(*got, next_id));
        held[next_id++] = *got;
      }
    } else if (op < 45) {  // find_on one node
      auto node = static_cast<std::uint32_t>(rng.below(ref.nodes()));
      Request req = random_request(rng, *layout);
      req.nodes = 1;
      req.node = node;
      auto got = pool.find_on(node, req.blocks, req.kind);
      what << "find_on n" << node << " " << req.blocks << " " << str(req.kind) << " -> " << str(got);
      log.push_back(what.str());
      PROP_CHECK(check_placement(ref, req, got));
    } else if (op < 60) {  // take arbitrary free blocks
      auto spans = random_free_spans(rng, ref);
      if (!spans) continue;
      what << "take " << str(*spans) << " as " << next_id;
      log.push_back(what.str());
      PROP_REQUIRE(pool.is_free(*spans), "is_free says no for free " << str(*spans));
      pool.take(*spans, next_id);
      PROP_CHECK(ref.take(*spans, next_id));
      held[next_id++] = *spans;
    } else if (op < 85 && !held.empty()) {  // release a holder, whole or in part
      auto it = held.begin();
      std::advance(it, static_cast<long>(rng.below(held.size())));
      Spans part = it->second;
      bool whole = rng.chance(0.7);
      if (!whole) {
        Span s = part[rng.below(part.size())];
        auto off = static_cast<std::uint32_t>(rng.below(s.count));
        part = {Span{s.node, s.first + off, 1 + static_cast<std::uint32_t>(rng.below(s.count - off))}};
      }
      what << "release " << str(part) << " of " << it->first;
      log.push_back(what.str());
      PROP_REQUIRE(!pool.is_free(part) || part.empty(), "is_free says yes for held " << str(part));
      pool.release(part);
      PROP_CHECK(ref.release(part, it->first));
      // What the holder keeps: its blocks still owned in the reference.
      Spans keep;
      for (const Span& s : it->second) {
        for (std::uint32_t b = s.first; b < s.end(); ++b) {
          if (ref.owner(s.node, b) != it->first) continue;
          if (!keep.empty() && keep.back().node == s.node && keep.back().end() == b) ++keep.back().count;
          else keep.push_back(Span{s.node, b, 1});
        }
      }
      if (keep.empty()) held.erase(it);
      else it->second = keep;
    } else if (op < 92 && !held.empty()) {  // take of a held block throws std::logic_error
      auto it = held.begin();
      std::advance(it, static_cast<long>(rng.below(held.size())));
      Span s = it->second[rng.below(it->second.size())];
      Spans bad = {Span{s.node, s.first, 1}};
      log.push_back("take held " + str(bad) + " (expect logic_error)");
      BlockPool copy = pool;
      bool threw = false;
      try {
        copy.take(bad, 999999);
      } catch (const std::logic_error&) {
        threw = true;
      }
      PROP_REQUIRE(threw, "take of held " << str(bad) << " did not throw std::logic_error");
    } else {  // release of a free block throws std::logic_error
      auto node = static_cast<std::uint32_t>(rng.below(ref.nodes()));
      auto runs = ref.runs(node, std::nullopt);
      if (runs.empty()) continue;
      Spans bad = {Span{node, runs[rng.below(runs.size())].first, 1}};
      log.push_back("release free " + str(bad) + " (expect logic_error)");
      BlockPool copy = pool;
      bool threw = false;
      try {
        copy.release(bad);
      } catch (const std::logic_error&) {
        threw = true;
      }
      PROP_REQUIRE(threw, "release of free " << str(bad) << " did not throw std::logic_error");
    }
    PROP_CHECK(check_pool_matches(pool, ref));
  }
  return {};
}

class BlockPoolProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(BlockPoolProperty, RandomFindTakeReleaseMatchesReference) {
  std::uint64_t base = GetParam();
  for (std::uint64_t i = 0; i < 8; ++i) {
    std::uint64_t seed = base * 1000 + i;
    std::vector<std::string> log;
    std::string failure;
    try {
      failure = run_sequence(seed, scaled(1500), log);
    } catch (const std::exception& e) {
      failure = std::string("unexpected exception: ") + e.what();
    }
    if (!failure.empty()) {
      std::string tail;
      std::size_t from = log.size() > 25 ? log.size() - 25 : 1;
      tail += "  " + log[0] + "\n";
      for (std::size_t k = from; k < log.size(); ++k)
        tail += "  step " + std::to_string(k - 1) + ": " + log[k] + "\n";
      FAIL() << "seed " << seed << " (rerun: TFLOPS_PROPERTY_SEED=" << seed
             << " --gtest_filter='*FromEnvironmentSeed*'): " << failure << "\nlast steps:\n"
             << tail;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, BlockPoolProperty, ::testing::Values(1, 2, 3, 4));

TEST(BlockPoolProperty, FromEnvironmentSeed) {
  auto seed = env_seed();
  if (!seed) GTEST_SKIP() << "set TFLOPS_PROPERTY_SEED to rerun one sequence";
  std::vector<std::string> log;
  std::string failure = run_sequence(*seed, scaled(1500), log);
  for (const auto& line : log) std::cout << line << "\n";
  EXPECT_EQ(failure, "");
}

}  // namespace
}  // namespace tflops::pool::proptest
